import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_AGENT_FRAME_BYTES, type AgentEnvelope, type AgentEvent } from "../../worker/protocol/agent";
import { api, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

type Frame = Record<string, unknown>;
type StoredEvent = { seq: number; type: string; [k: string]: unknown };

async function launch(seed: Seed): Promise<{ id: string; runId: string }> {
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "write hello.txt", cwd: "/work" } });
  expect(res.status).toBe(201);
  const id = (await res.json<{ id: string }>()).id;
  const runId = await runInDurableObject(
    env.AgentLink.getByName(seed.agentId),
    async (instance) => (instance as unknown as { queued(): { runId: string }[] }).queued().at(-1)!.runId,
  );
  return { id, runId };
}

/** An agent's events for one run, numbered as the agent's journal numbers them. */
function emitter(runId: string) {
  let seq = 0;
  return (event: AgentEvent): AgentEnvelope => ({ id: crypto.randomUUID(), at: Date.now(), runId, seq: ++seq, event });
}
const text = (mark: string): AgentEvent => ({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: mark }] } } });
const isAckOf = (id: string) => (f: Frame) => f.type === "ack" && (f.ids as string[]).includes(id);

async function started(seed: Seed, id: string, runId: string): Promise<{ agent: Socket; emit: ReturnType<typeof emitter> }> {
  const emit = emitter(runId);
  const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
  const first = emit({ type: "run-started", runId });
  agent.send({ type: "agent-events", events: [first, emit({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-ord" } })] });
  await agent.next(isAckOf(first.id));
  return { agent, emit };
}

async function storedEvents(seed: Seed, id: string): Promise<StoredEvent[]> {
  return (await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: StoredEvent[] }>()).events;
}
const marks = (events: StoredEvent[]) =>
  events.filter((e) => e.type === "sdk-message" && (e.message as Frame).type === "assistant").map((e) => JSON.stringify(e.message).match(/m\d/)![0]);

describe("order", () => {
  it("stores an agent's events in the order it emitted them when a later frame overtakes the resend", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const { agent, emit } = await started(seed, id, runId);
    const [m3, m4, m5, m6] = ["m3", "m4", "m5", "m6"].map((m) => emit(text(m))) as [AgentEnvelope, AgentEnvelope, AgentEnvelope, AgentEnvelope];
    // What partysocket does after a drop: the sends buffered while closing go out first, then the resend.
    agent.send({ type: "agent-events", events: [m5, m6] });
    agent.send({ type: "agent-events", events: [m3, m4, m5, m6] });
    const ack = await agent.next(isAckOf(m3.id));
    expect(ack.ids).toEqual([m3.id, m4.id, m5.id, m6.id]);
    expect(agent.frames.some((f) => f.type === "ack" && (f.ids as string[]).includes(m5.id) && !(f.ids as string[]).includes(m3.id))).toBe(false);
    expect(marks(await storedEvents(seed, id))).toEqual(["m3", "m4", "m5", "m6"]);
  });

  it("keeps its place in the run across a new socket: a resend is acknowledged, not stored twice", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const { agent, emit } = await started(seed, id, runId);
    const m3 = emit(text("m3"));
    agent.send({ type: "agent-events", events: [m3] });
    await agent.next(isAckOf(m3.id));
    agent.close();
    const again = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    const m4 = emit(text("m4"));
    again.send({ type: "agent-events", events: [m3, m4] });
    expect((await again.next(isAckOf(m4.id))).ids).toEqual([m3.id, m4.id]);
    expect(marks(await storedEvents(seed, id))).toEqual(["m3", "m4"]);
  });
});

describe("dead letters", () => {
  it("dead-letters an event the room refuses, acknowledges it, and goes on with the next", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const { agent, emit } = await started(seed, id, runId);
    const before = emit(text("m3"));
    const refused = {
      ...emit({ type: "approval-request", requestId: "req-bad", toolName: "Write", input: {} }),
      event: { type: "approval-request", requestId: "req-bad", toolName: "Write", input: {}, title: "t".repeat(5_000) },
    };
    const after = emit(text("m5"));
    for (let i = 0; i < 6; i++) agent.send({ type: "agent-events", events: [before, refused, after] });
    // Claude Code is not left waiting on a request nobody can see.
    expect(await agent.next((f) => f.type === "decision")).toMatchObject({ requestId: "req-bad", answer: { behavior: "deny" } });
    const ack = await agent.next(isAckOf(after.id));
    expect(ack.ids).toEqual([before.id, refused.id, after.id]);
    const events = await storedEvents(seed, id);
    expect(marks(events)).toEqual(["m3", "m5"]);
    const dropped = events.find((e) => e.type === "event-dropped");
    expect(dropped).toMatchObject({ eventType: "approval-request" });
    expect(dropped!.reason).toMatch(/title/);
    expect(events.filter((e) => e.type === "event-dropped")).toHaveLength(1);
    // Every copy of the frame is acknowledged (the start's ack + 6), none answered with an error.
    await agent.next(() => agent.frames.filter((f) => f.type === "ack").length === 7);
    expect(agent.frames.some((f) => f.type === "error")).toBe(false);
  });

  it("stores the agent's dead letter for an event too large for a frame, visible on the session", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const { agent, emit } = await started(seed, id, runId);
    const dropped = emit({
      type: "event-dropped",
      eventType: "sdk-message",
      size: 2_000_000,
      reason: "this sdk-message event is 2000000 bytes, more than one frame to Tower carries",
    });
    agent.send({ type: "agent-events", events: [dropped] });
    await agent.next(isAckOf(dropped.id));
    const events = await storedEvents(seed, id);
    expect(events.find((e) => e.type === "event-dropped")).toMatchObject({ eventType: "sdk-message", size: 2_000_000 });
  });

  it("answers a frame over the room's frame limit with an error, not a stall", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const { agent, emit } = await started(seed, id, runId);
    agent.send({ type: "agent-events", events: [emit(text(`m3 ${"x".repeat(MAX_AGENT_FRAME_BYTES)}`))] });
    const err = await agent.next((f) => f.type === "error");
    expect(JSON.stringify(err)).toMatch(/bytes/);
  });
});
