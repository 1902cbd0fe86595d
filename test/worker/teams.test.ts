import { env } from "cloudflare:workers";
import { makeDb } from "../../worker/db/client";
import { addMember } from "../../worker/db/members";
import { describe, expect, it } from "vitest";
import { api, eventually, memberWith, openSocket, seedWorkspace, tokenFor } from "./helpers";

type Json = Record<string, unknown>;
const launch = async (token: string, prompt = "p") =>
  (await (await api("/api/sessions", token, { method: "POST", json: { prompt, cwd: "/tmp" } })).json<{ id: string }>()).id;
const ids = async (token: string) => (await (await api("/api/sessions", token)).json<{ sessions: { id: string }[] }>()).sessions.map((s) => s.id);

describe("sessions: who sees what", () => {
  it("shows members their own sessions and those shared with them; admins see all", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const bob = await memberWith(seed, "member", "bob");
    const annSession = await launch(ann.token);
    const bobSession = await launch(bob.token);
    expect(await ids(ann.token)).toEqual([annSession]);
    expect((await ids(seed.userToken)).sort()).toEqual([annSession, bobSession].sort());
    expect((await api(`/api/sessions/${bobSession}`, ann.token)).status).toBe(404);

    const share = await api(`/api/sessions/${bobSession}/shares`, bob.token, { method: "PUT", json: { principal: `user:${ann.userId}`, role: "viewer" } });
    expect(share.status).toBe(200);
    expect((await ids(ann.token)).sort()).toEqual([annSession, bobSession].sort());
    expect((await api(`/api/sessions/${bobSession}/interrupt`, ann.token, { method: "POST" })).status).toBe(403);

    await api(`/api/sessions/${bobSession}/shares/user:${ann.userId}`, bob.token, { method: "DELETE" });
    expect(await ids(ann.token)).toEqual([annSession]);
  });

  it("shares with the whole workspace, and refuses to share with a stranger", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const viewer = await memberWith(seed, "viewer", "val");
    const s = await launch(ann.token);
    await api(`/api/sessions/${s}/shares`, ann.token, { method: "PUT", json: { principal: "workspace", role: "collaborator" } });
    expect(await ids(viewer.token)).toEqual([s]);
    // A workspace viewer reads a shared session but never acts on it, whatever the grant says.
    expect((await api(`/api/sessions/${s}/interrupt`, viewer.token, { method: "POST" })).status).toBe(403);
    const stranger = await api(`/api/sessions/${s}/shares`, ann.token, { method: "PUT", json: { principal: "user:usr_00000000000000000000", role: "viewer" } });
    expect(stranger.status).toBe(404);
  });

  it("hands a session off: the new owner manages it, the old owner keeps collaborator access", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const bob = await memberWith(seed, "member", "bob");
    const s = await launch(ann.token);
    const res = await api(`/api/sessions/${s}/handoff`, ann.token, { method: "POST", json: { userId: bob.userId } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ownerId: bob.userId });
    expect((await api(`/api/sessions/${s}`, bob.token, { method: "PATCH", json: { title: "bob's now" } })).status).toBe(200);
    expect((await api(`/api/sessions/${s}`, ann.token, { method: "PATCH", json: { title: "mine" } })).status).toBe(403);
    const shares = await (await api(`/api/sessions/${s}/shares`, bob.token)).json<{ ownerId: string; shares: Json[] }>();
    expect(shares).toMatchObject({ ownerId: bob.userId, shares: [{ principal: `user:${ann.userId}`, role: "collaborator" }] });
    const { events } = await (await api(`/api/sessions/${s}/events`, bob.token)).json<{ events: Json[] }>();
    expect(events.at(-1)).toMatchObject({ type: "owner-changed", from: ann.userId, to: bob.userId });
  });
});

describe("tokens", () => {
  it("creates a scoped token shown once, lists it without its secret, and enforces its scopes", async () => {
    const seed = await seedWorkspace();
    const res = await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "ci", scopes: ["read"], expiresInDays: 7 } });
    expect(res.status).toBe(201);
    const issued = await res.json<{ token: string; info: { id: string; scopes: string[]; expiresAt: number } }>();
    expect(issued.token).toMatch(/^tower_/);
    expect(issued.info.scopes).toEqual(["read"]);
    const listed = await (await api("/api/tokens", seed.userToken)).text();
    expect(listed).toContain(issued.info.id);
    expect(listed).not.toContain(issued.token);
    expect(listed).not.toMatch(/hash/i);
    expect((await api("/api/sessions", issued.token)).status).toBe(200);
    expect((await api("/api/sessions", issued.token, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).status).toBe(403);
    expect((await api("/api/tokens", issued.token, { method: "POST", json: { name: "wider", scopes: ["*"] } })).status).toBe(403);
  });

  it("rotates: the replacement works and the old token stops at once", async () => {
    const seed = await seedWorkspace();
    const issued = await (await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "laptop" } })).json<{
      token: string;
      info: { id: string };
    }>();
    const rotated = await (await api(`/api/tokens/${issued.info.id}/rotate`, seed.userToken, { method: "POST" })).json<{
      token: string;
      info: { rotatedFrom: string };
    }>();
    expect(rotated.info.rotatedFrom).toBe(issued.info.id);
    expect((await api("/api/health", issued.token)).status).toBe(401);
    expect((await api("/api/health", rotated.token)).status).toBe(200);
  });

  it("revokes, and refuses an expired token", async () => {
    const seed = await seedWorkspace();
    const issued = await (await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "tmp" } })).json<{ token: string; info: { id: string } }>();
    const revoked = await api(`/api/tokens/${issued.info.id}`, seed.userToken, { method: "DELETE" });
    expect(await revoked.json()).toMatchObject({ revokedAt: expect.any(Number) });
    expect((await api("/api/health", issued.token)).status).toBe(401);
    const expired = await tokenFor(seed.workspaceId, seed.userId, "old", { expiresAt: Date.now() - 1000 });
    expect((await api("/api/health", expired)).status).toBe(401);
  });

  it("does not let a member touch someone else's token", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const mine = await (await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "owner's" } })).json<{ info: { id: string } }>();
    expect((await api(`/api/tokens/${mine.info.id}`, ann.token, { method: "DELETE" })).status).toBe(404);
    expect((await api("/api/tokens?all=true", ann.token)).status).toBe(403);
  });
});

describe("members", () => {
  it("keeps the last owner, lets only owners make owners, and revokes a removed member's tokens", async () => {
    const seed = await seedWorkspace();
    const admin = await memberWith(seed, "admin", "adam");
    const ann = await memberWith(seed, "member", "ann");
    expect((await api(`/api/members/${seed.userId}`, seed.userToken, { method: "PATCH", json: { role: "admin" } })).status).toBe(409);
    expect((await api(`/api/members/${ann.userId}`, admin.token, { method: "PATCH", json: { role: "owner" } })).status).toBe(403);
    expect((await api(`/api/members/${ann.userId}`, admin.token, { method: "PATCH", json: { role: "viewer" } })).status).toBe(200);
    expect((await api("/api/sessions", ann.token, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).status).toBe(403);
    expect((await api(`/api/members/${ann.userId}`, admin.token, { method: "DELETE" })).status).toBe(200);
    expect((await api("/api/health", ann.token)).status).toBe(401);
    const list = await (await api("/api/members", seed.userToken)).json<{ members: { userId: string }[] }>();
    expect(list.members.map((m) => m.userId)).not.toContain(ann.userId);
  });
});

describe("audit log", () => {
  it("records launches, token changes and decisions with who and how, and verifies its chain", async () => {
    const seed = await seedWorkspace();
    const s = await launch(seed.userToken);
    await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "t" } });
    await api(`/api/sessions/${s}/interrupt`, seed.userToken, { method: "POST" });
    const { entries } = await eventually(async () => {
      const r = await (await api("/api/audit", seed.userToken)).json<{
        entries: { action: string; seq: number; actor: string; via: string; target: string }[];
      }>();
      return r.entries.some((e) => e.action === "session.interrupt") ? r : null;
    });
    expect(entries.map((e) => e.action)).toEqual(["session.launch", "token.create", "session.interrupt"]);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[0]).toMatchObject({ target: s, via: "api" });
    const onlyTokens = await (await api("/api/audit?action=token.create", seed.userToken)).json<{ entries: unknown[] }>();
    expect(onlyTokens.entries).toHaveLength(1);
    expect(await (await api("/api/audit/verify", seed.userToken)).json()).toEqual({ ok: true, checked: 3, brokenAt: null, reason: null });
    const exported = await api("/api/audit/export", seed.userToken);
    expect(exported.headers.get("content-type")).toContain("ndjson");
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  it("detects an entry edited in the database", async () => {
    const seed = await seedWorkspace();
    await launch(seed.userToken);
    await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "a" } });
    await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "b" } });
    // A reader seals first: the entries are in the chain (sealing after a request runs after its answer).
    expect((await (await api("/api/audit", seed.userToken)).json<{ entries: unknown[] }>()).entries).toHaveLength(3);
    await env.DB.prepare(`UPDATE audit_log SET actor = 'someone else' WHERE workspace_id = ? AND seq = 2`).bind(seed.workspaceId).run();
    expect(await (await api("/api/audit/verify", seed.userToken)).json()).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringMatching(/edited/) });
  });

  it("keeps one unbroken chain when many entries are appended at once", async () => {
    const seed = await seedWorkspace();
    await Promise.all(Array.from({ length: 12 }, (_, i) => api("/api/tokens", seed.userToken, { method: "POST", json: { name: `t${i}` } })));
    expect(await (await api("/api/audit/verify", seed.userToken)).json()).toEqual({ ok: true, checked: 12, brokenAt: null, reason: null });
  });
});

describe("tokens: open sockets", () => {
  it("closes every socket a token opened when it is revoked, and when it is rotated", async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
    const issue = async () =>
      await (await api("/api/tokens", seed.userToken, { method: "POST", json: { name: "phone" } })).json<{ token: string; info: { id: string } }>();
    const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));

    const revokedToken = await issue();
    const room = await openSocket(`/api/sessions/${id}/live`, revokedToken.token);
    const hub = await openSocket("/api/workspace/live", revokedToken.token);
    await room.next((f) => f.type === "snapshot");
    await hub.next((f) => f.type === "hello");
    const roomClosed = closed(room.ws);
    const hubClosed = closed(hub.ws);
    await api(`/api/tokens/${revokedToken.info.id}`, seed.userToken, { method: "DELETE" });
    expect(await roomClosed).toBe(4001);
    expect(await hubClosed).toBe(4001);

    const rotated = await issue();
    const again = await openSocket(`/api/sessions/${id}/live`, rotated.token);
    await again.next((f) => f.type === "snapshot");
    const againClosed = closed(again.ws);
    await api(`/api/tokens/${rotated.info.id}/rotate`, seed.userToken, { method: "POST" });
    expect(await againClosed).toBe(4001);

    // Other sockets stay open.
    const owner = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await owner.next((f) => f.type === "snapshot");
    owner.send({ type: "ping", ref: "still-here" });
    expect(await owner.next((f) => f.type === "pong")).toMatchObject({ ref: "still-here" });
  });
});

describe("several workspaces", () => {
  it("lists a person's workspaces and switches with a new token for the other one, never for a stranger's", async () => {
    const a = await seedWorkspace("alpha");
    const b = await seedWorkspace("beta");
    const me = await (await api("/api/me", a.userToken)).json<{ user: { email: string }; workspaces: { workspaceId: string }[] }>();
    await addMember(makeDb(env.DB), b.workspaceId, { name: "owner of alpha", email: me.user.email, role: "viewer" }, Date.now());
    const after = await (await api("/api/me", a.userToken)).json<{ workspaces: { workspaceId: string; role: string }[] }>();
    expect(after.workspaces.map((w) => w.workspaceId).sort()).toEqual([a.workspaceId, b.workspaceId].sort());
    const switched = await (await api("/api/me/switch", a.userToken, { method: "POST", json: { workspaceId: b.workspaceId } })).json<{ token: string }>();
    expect(await (await api("/api/health", switched.token)).json()).toMatchObject({ workspaceId: b.workspaceId });
    expect((await api("/api/sessions", switched.token, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).status).toBe(403); // a viewer there
    const stranger = await seedWorkspace("gamma");
    expect((await api("/api/me/switch", a.userToken, { method: "POST", json: { workspaceId: stranger.workspaceId } })).status).toBe(404);
  });
});
