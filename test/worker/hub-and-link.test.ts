import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, eventually, openSocket, seedWorkspace } from "./helpers";

const hello = { type: "hello", machine: { name: "m", hostname: "host", labels: ["gpu"], capacity: 2, versions: { node: "v20" } }, running: [] };

describe("workspace hub", () => {
  it("greets a viewer with the inbox and machines, then streams list, inbox and presence deltas", async () => {
    const seed = await seedWorkspace();
    const hub = await openSocket("/api/workspace/live", seed.userToken);
    const first = await hub.next((f) => f.type === "hello");
    expect(first).toMatchObject({ approvals: [], agents: [{ name: seed.agentName, online: false }] });

    const control = await openSocket("/api/agents/connect", seed.agentToken);
    control.send(hello);
    expect(await hub.next((f) => f.type === "agent-presence")).toMatchObject({ agent: { id: seed.agentId, online: true, labels: ["gpu"], capacity: 2 } });

    const created = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
    expect(await hub.next((f) => f.type === "session-upsert")).toMatchObject({ session: { id: created.id, status: "queued" } });

    control.close();
    expect(await hub.next((f) => f.type === "agent-presence")).toMatchObject({ agent: { online: false } });
  });

  it("never sends one workspace's deltas to another", async () => {
    const a = await seedWorkspace("a");
    const b = await seedWorkspace("b");
    const hubB = await openSocket("/api/workspace/live", b.userToken);
    await hubB.next((f) => f.type === "hello");
    await api("/api/sessions", a.userToken, { method: "POST", json: { prompt: "p", cwd: "/tmp" } });
    const hubA = await openSocket("/api/workspace/live", a.userToken);
    await hubA.next((f) => f.type === "hello");
    await api("/api/sessions", a.userToken, { method: "POST", json: { prompt: "q", cwd: "/tmp" } });
    await hubA.next((f) => f.type === "session-upsert");
    expect(hubB.frames.filter((f) => f.type !== "hello")).toEqual([]);
  });
});

describe("agent link", () => {
  it("holds launches while the machine is offline and delivers them when it connects", async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "later", cwd: "/src" } })).json<{ id: string }>();
    const control = await openSocket("/api/agents/connect", seed.agentToken);
    expect(await control.next((f) => f.type === "welcome")).toMatchObject({ agentId: seed.agentId, name: seed.agentName });
    control.send(hello);
    const launch = await control.next((f) => f.type === "launch");
    expect(launch).toMatchObject({ order: { sessionId: id, spec: { prompt: "later", cwd: "/src" } } });
    const agents = await eventually(async () => {
      const r = await (await api("/api/agents", seed.userToken)).json<{ agents: { online: boolean; hostname: string }[] }>();
      return r.agents[0]?.online ? r.agents : null;
    });
    expect(agents[0]?.hostname).toBe("host");
  });

  it("redelivers an unacknowledged launch after a reconnect, and not an acknowledged one", async () => {
    const seed = await seedWorkspace();
    await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "one", cwd: "/tmp" } });
    const first = await openSocket("/api/agents/connect", seed.agentToken);
    first.send(hello);
    const order = (await first.next((f) => f.type === "launch")).order as { runId: string };
    first.close();
    const second = await openSocket("/api/agents/connect", seed.agentToken);
    second.send(hello);
    expect(((await second.next((f) => f.type === "launch")).order as { runId: string }).runId).toBe(order.runId);
    second.send({ type: "launch-ack", runId: order.runId });
    second.send({ type: "ping" });
    await second.next((f) => f.type === "pong");
    second.close();
    const third = await openSocket("/api/agents/connect", seed.agentToken);
    third.send(hello);
    third.send({ type: "ping" });
    await third.next((f) => f.type === "pong");
    expect(third.frames.filter((f) => f.type === "launch")).toEqual([]);
  });

  it("drops a launch when its session is cancelled before the machine takes it", async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>();
    expect((await api(`/api/sessions/${id}/interrupt`, seed.userToken, { method: "POST" })).status).toBe(200);
    const control = await openSocket("/api/agents/connect", seed.agentToken);
    control.send(hello);
    control.send({ type: "ping" });
    await control.next((f) => f.type === "pong");
    expect(control.frames.filter((f) => f.type === "launch")).toEqual([]);
  });

  it("refuses the control channel to a user token and answers a bad frame with an error frame", async () => {
    const seed = await seedWorkspace();
    expect((await api("/api/agents/connect", seed.userToken, { headers: { upgrade: "websocket" } })).status).toBe(403);
    const control = await openSocket("/api/agents/connect", seed.agentToken);
    control.send({ type: "hello", machine: { name: "bad name with spaces", hostname: "h" }, running: [] });
    expect(await control.next((f) => f.type === "error")).toMatchObject({ error: { code: "BAD_REQUEST" } });
  });
});

describe("agent session channel: bad input", () => {
  it("answers an agent event without an id with an error frame and stores nothing", async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>();
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    agent.send({ type: "agent-events", events: [{ at: 1, event: { type: "approval-request", toolName: "Bash" } }] });
    expect(await agent.next((f) => f.type === "error")).toMatchObject({ error: { code: "BAD_REQUEST" } });
    const { events } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: unknown[] }>();
    expect(events).toHaveLength(2);
  });

  // A running session stores the dead letter in its place (agent-channel.test.ts); a queued one takes only a run's start.
  it("acknowledges a malformed agent event on a session that has not started, and makes no approval of it", async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>();
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    agent.send({ type: "agent-events", events: [{ id: "e1", at: 1, event: { type: "approval-request", toolName: "Bash" } }] });
    expect(await agent.next((f) => f.type === "ack")).toMatchObject({ ids: ["e1"] });
    const { events } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string }[] }>();
    expect(events.map((e) => e.type)).toEqual(["session-created", "status-changed"]);
  });
});

describe("agent presence", () => {
  /**
   * D1 as it is in production for the old socket's offline write: late. Requests from one object are not
   * guaranteed to land in the order they were sent, so the write the close started may land after the hello's.
   */
  function lateOfflineWrites(db: D1Database, seen: { started: boolean; landed: boolean }): D1Database {
    const late = (q: string) => /^update "agents" set "online" = \?, "last_seen_at"/.test(q);
    const wrap = (stmt: D1PreparedStatement, q: string): D1PreparedStatement =>
      new Proxy(stmt, {
        get(target, prop) {
          if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args), q);
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== "function") return value;
          if (!late(q) || !["run", "all", "raw", "first"].includes(String(prop))) return value.bind(target);
          return async (...args: unknown[]) => {
            seen.started = true;
            await new Promise((r) => setTimeout(r, 300));
            try {
              return await value.apply(target, args);
            } finally {
              seen.landed = true;
            }
          };
        },
      });
    return new Proxy(db, {
      get(target, prop) {
        if (prop === "prepare") return (q: string) => wrap(target.prepare(q), q);
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  it("keeps a machine online when the old socket's offline write lands after the new socket's hello", async () => {
    const seed = await seedWorkspace();
    const hub = await openSocket("/api/workspace/live", seed.userToken);
    await hub.next((f) => f.type === "hello");
    const first = await openSocket("/api/agents/connect", seed.agentToken);
    first.send(hello);
    await hub.next((f) => f.type === "agent-presence" && (f.agent as { online: boolean }).online);
    const offline = { started: false, landed: false };
    await runInDurableObject(env.AgentLink.getByName(seed.agentId), (instance) => {
      const link = instance as unknown as { env: Env };
      link.env = { ...link.env, DB: lateOfflineWrites(link.env.DB, offline) };
    });
    // A quick reconnect: the old socket drops, and the new one says hello while the close's write is on its way.
    first.close();
    await eventually(async () => offline.started);
    const second = await openSocket("/api/agents/connect", seed.agentToken);
    second.send(hello);
    second.send({ type: "ping" });
    await second.next((f) => f.type === "pong");
    const online = async () => {
      const r = await (await api("/api/agents", seed.userToken)).json<{ agents: { online: boolean }[] }>();
      const last = hub.frames.filter((f) => f.type === "agent-presence").at(-1)?.agent as { online: boolean } | undefined;
      return { d1: r.agents[0]?.online, hub: last?.online };
    };
    // Once the late write has landed, the list and the hub must (still, or again) say online.
    const seen = await eventually(async () => {
      const now = offline.landed ? await online() : null;
      return now?.d1 && now.hub ? now : null;
    }).catch(async () => online());
    expect(seen).toEqual({ d1: true, hub: true });
  });
});
