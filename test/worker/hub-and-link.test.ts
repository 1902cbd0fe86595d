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

  it("dead-letters a malformed agent event: stored as event-dropped, acknowledged, no approval made", async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>();
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    agent.send({ type: "agent-events", events: [{ id: "e1", at: 1, event: { type: "approval-request", toolName: "Bash" } }] });
    expect(await agent.next((f) => f.type === "ack")).toMatchObject({ ids: ["e1"] });
    const { events } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string }[] }>();
    expect(events.map((e) => e.type)).toEqual(["session-created", "status-changed", "event-dropped"]);
  });
});
