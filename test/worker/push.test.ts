import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import type { PushPayload } from "../../worker/protocol/push";
import type { LoopbackSubscription, ReceivedPush } from "../fixtures/loopback-push";
import { api, envelope, eventually, memberWith, openSocket, seedWorkspace, type Seed, type Socket, startedSession } from "./helpers";

const service = inject("pushServiceUrl");
const subscribeAtService = async (): Promise<LoopbackSubscription> => (await fetch(`${service}/control/subscribe`, { method: "POST" })).json();
const receivedAt = async (s: LoopbackSubscription): Promise<ReceivedPush[]> => (await fetch(`${service}/control/${s.id}/received`)).json();
const payloads = async (s: LoopbackSubscription) => (await receivedAt(s)).map((r) => JSON.parse(r.payload) as PushPayload);

async function waitingCall(seed: Seed, agent: Socket, sessionId: string, command: string): Promise<Approval> {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: `req-${command}`, toolName: "Bash", input: { command } })] });
  return eventually(async () => {
    const list = await (await api(`/api/approvals?session=${sessionId}`, seed.userToken)).json<{ approvals: Approval[] }>();
    // Compared by its start: what the room stores is scrubbed.
    return list.approvals.find((a) => String(a.input.command).startsWith(command.slice(0, 12))) ?? null;
  }, 10_000);
}

const subscribe = (token: string, s: { endpoint: string; keys: unknown }, device = "phone") =>
  api("/api/me/push", token, { method: "POST", json: { ...s, device } });

describe("push subscriptions", () => {
  it("a person subscribes a device, lists it (never its endpoint), sets preferences and removes it", async () => {
    const seed = await seedWorkspace("push");
    const key = await (await api("/api/me/push/key", seed.userToken)).json<{ publicKey: string }>();
    expect(key.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/);
    const s = await subscribeAtService();
    const made = await subscribe(seed.userToken, s);
    expect(made.status).toBe(200);
    const device = await made.json<{ id: string }>();
    const listed = await (await api("/api/me/push", seed.userToken)).json<{ devices: { id: string; service: string }[]; preferences: unknown }>();
    expect(listed.devices).toEqual([expect.objectContaining({ id: device.id, device: "phone", service: new URL(service).host })]);
    expect(JSON.stringify(listed)).not.toContain(s.endpoint);
    expect(listed.preferences).toEqual({ scope: "all", quiet: null });
    const prefs = { scope: "mine", quiet: { start: "22:00", end: "07:00", timeZone: "Europe/Berlin" } };
    expect((await api("/api/me/push/preferences", seed.userToken, { method: "PUT", json: prefs })).status).toBe(200);
    expect((await (await api("/api/me/push", seed.userToken)).json<{ preferences: unknown }>()).preferences).toEqual(prefs);
    const other = await memberWith(seed, "member");
    expect(await (await api(`/api/me/push/${device.id}`, other.token, { method: "DELETE" })).json()).toEqual({ deleted: false });
    expect(await (await api(`/api/me/push/${device.id}`, seed.userToken, { method: "DELETE" })).json()).toEqual({ deleted: true });
    expect((await (await api("/api/me/push", seed.userToken)).json<{ devices: unknown[] }>()).devices).toEqual([]);
  });

  it("refuses bad keys, bad time zones, and an endpoint outside the push services' allow-list", async () => {
    const seed = await seedWorkspace("push-bad");
    const s = await subscribeAtService();
    for (const endpoint of [
      "https://internal.example.com/push",
      "http://169.254.169.254/latest",
      "http://10.0.0.7/push",
      "https://fcm.googleapis.com.evil.test/x",
    ]) {
      const res = await subscribe(seed.userToken, { ...s, endpoint });
      expect(res.status, endpoint).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "BAD_REQUEST" } });
    }
    expect((await subscribe(seed.userToken, { ...s, keys: { p256dh: "short", auth: "x" } })).status).toBe(400);
    const prefs = { scope: "all", quiet: { start: "22:00", end: "07:00", timeZone: "Mars/Olympus" } };
    expect((await api("/api/me/push/preferences", seed.userToken, { method: "PUT", json: prefs })).status).toBe(400);
  });
});

describe("pushing approvals", () => {
  it("a waiting call reaches its decider's device as a VAPID-signed payload that decrypts to exactly that approval; its decision closes it", async () => {
    const seed = await seedWorkspace("push-send");
    const outsider = await memberWith(seed, "member", "outsider");
    const mine = await subscribeAtService();
    const theirs = await subscribeAtService();
    expect((await subscribe(seed.userToken, mine)).status).toBe(200);
    expect((await subscribe(outsider.token, theirs)).status).toBe(200);
    const { publicKey } = await (await api("/api/me/push/key", seed.userToken)).json<{ publicKey: string }>();
    const { id, agent } = await startedSession(seed, { title: "deploy the thing" });
    const a = await waitingCall(seed, agent, id, "rm -rf build && echo TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789");

    const [shown] = await eventually(async () => ((await receivedAt(mine)).length ? receivedAt(mine) : null), 10_000);
    expect(shown!.vapidKey).toBe(publicKey);
    expect(shown!.subject).toBe("mailto:tests@tower.invalid");
    expect(shown!.topic).toBe(a.id);
    // RFC 8291: the one content coding every push service takes, Safari's included (not the draft "aesgcm").
    expect(shown!.encoding).toBe("aes128gcm");
    expect(JSON.parse(shown!.payload)).toEqual({
      type: "approval",
      approvalId: a.id,
      sessionId: id,
      inputSha256: a.inputSha256,
      tool: "Bash",
      summary: expect.stringContaining("rm -rf build"),
      sessionTitle: "deploy the thing",
      machine: seed.agentName,
      expiresAt: a.expiresAt,
    });
    expect(shown!.payload).not.toContain("ghp_abcdefghijklmnop");

    const decided = await api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256: a.inputSha256 } });
    expect(decided.status).toBe(200);
    const closed = await eventually(async () => (await payloads(mine)).find((p) => p.type === "close") ?? null, 10_000);
    expect(closed).toEqual({ type: "close", approvalId: a.id, status: "approved" });
    // The session is not shared with the outsider: they may not decide it, so nothing reached their device.
    expect(await receivedAt(theirs)).toEqual([]);
  });

  it("never holds up a decision: it answers while the push service still holds the call's push", async () => {
    const seed = await seedWorkspace("push-slow");
    const s = await subscribeAtService();
    expect((await subscribe(seed.userToken, s)).status).toBe(200);
    const control = async (what: string) => (await fetch(`${service}/control/${s.id}/${what}`, { method: "POST" })).json<{ held: number; arrived: number }>();
    await control("hold");
    const { id, agent } = await startedSession(seed, { title: "deploy the thing" });
    const a = await waitingCall(seed, agent, id, "make release");
    await eventually(async () => (await control("arrived")).held === 1, 10_000);
    const decided = await api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256: a.inputSha256 } });
    expect(decided.status).toBe(200);
    // Answered with the show push still unanswered (and its close queued behind it).
    expect((await control("arrived")).held).toBe(1);
    await control("release");
    await eventually(async () => (await payloads(s)).some((p) => p.type === "close"), 10_000);
  });

  it("deletes a subscription its push service says is gone (410)", async () => {
    const seed = await seedWorkspace("push-gone");
    const s = await subscribeAtService();
    expect((await subscribe(seed.userToken, s)).status).toBe(200);
    await fetch(`${service}/control/${s.id}/expire`, { method: "POST" });
    const { id, agent } = await startedSession(seed, { title: "deploy the thing" });
    await waitingCall(seed, agent, id, "ls");
    await eventually(async () => (await (await api("/api/me/push", seed.userToken)).json<{ devices: unknown[] }>()).devices.length === 0, 10_000);
  });

  it("respects preferences: 'mine' leaves out an admin's pushes for another's session", async () => {
    const seed = await seedWorkspace("push-prefs");
    const admin = await memberWith(seed, "admin");
    const adminDevice = await subscribeAtService();
    const ownerDevice = await subscribeAtService();
    expect((await subscribe(admin.token, adminDevice)).status).toBe(200);
    expect((await subscribe(seed.userToken, ownerDevice)).status).toBe(200);
    await api("/api/me/push/preferences", admin.token, { method: "PUT", json: { scope: "mine", quiet: null } });
    const { id, agent } = await startedSession(seed, { title: "deploy the thing" });
    const a = await waitingCall(seed, agent, id, "make deploy");
    await eventually(async () => (await payloads(ownerDevice)).some((p) => p.approvalId === a.id), 10_000);
    expect(await receivedAt(adminDevice)).toEqual([]);
  });
});

/** Counts the statements on push_subscriptions that the workspace's hub sends to D1 from now on. */
async function countHubPushReads(seed: Seed): Promise<{ reads(): number }> {
  let reads = 0;
  await runInDurableObject(env.WorkspaceHub.getByName(seed.workspaceId), (hub) => {
    const h = hub as unknown as { env: Env };
    const db = h.env.DB;
    const counted = new Proxy(db, {
      get(target, p) {
        if (p === "prepare")
          return (query: string) => {
            if (query.includes("push_subscriptions")) reads++;
            return target.prepare(query);
          };
        const v = Reflect.get(target, p);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    h.env = { ...h.env, DB: counted };
  });
  return { reads: () => reads };
}

describe("bounded work", () => {
  it("reads no subscriptions for a workspace that has none, and a device subscribed later gets the next call at once", async () => {
    const seed = await seedWorkspace("push-none");
    const hub = await countHubPushReads(seed);
    const { id, agent } = await startedSession(seed);
    const inbox = await openSocket("/api/workspace/live", seed.userToken);
    await inbox.next((f) => f.type === "hello");
    const upserted = (a: Approval) => inbox.next((f) => f.type === "approval-upsert" && (f.approval as Approval).id === a.id, 10_000);

    await upserted(await waitingCall(seed, agent, id, "make one"));
    await eventually(async () => hub.reads() === 1, 10_000);
    await upserted(await waitingCall(seed, agent, id, "make two"));
    await upserted(await waitingCall(seed, agent, id, "make three"));
    expect(hub.reads()).toBe(1);

    const device = await subscribeAtService();
    expect((await subscribe(seed.userToken, device)).status).toBe(200);
    const four = await waitingCall(seed, agent, id, "make four");
    await eventually(async () => (await payloads(device)).some((p) => p.approvalId === four.id), 10_000);
    expect(hub.reads()).toBe(2);
  });
});
