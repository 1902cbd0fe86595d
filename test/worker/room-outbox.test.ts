/**
 * The room's outbox is durable (issue 11, item 2): what must follow a change (the D1 mirror of the
 * summary and approvals, audit entries, launch orders, hub frames) commits with it in the room's
 * SQLite and is delivered until it lands: after D1 comes back, and after the room is evicted.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentEnvelope, AgentEvent } from "../../worker/protocol/agent";
import { api, eventually, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

let n = 0;
const envelope = (event: AgentEvent): AgentEnvelope => ({ id: `outbox-ev-${++n}`, at: Date.now(), event });
const ZERO_OUTCOME = { costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 1, durationMs: 1 };

async function launch(seed: Seed): Promise<{ id: string; runId: string }> {
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "write hello.txt", cwd: "/work" } });
  expect(res.status).toBe(201);
  const { id } = await res.json<{ id: string }>();
  const runId = await runInDurableObject(env.AgentLink.getByName(seed.agentId), async (instance) => (instance as unknown as { queued(): { runId: string }[] }).queued().at(-1)!.runId);
  return { id, runId };
}

async function send(agent: Socket, ...events: AgentEvent[]): Promise<void> {
  const before = agent.frames.filter((f) => f.type === "ack").length;
  agent.send({ type: "agent-events", events: events.map(envelope) });
  await eventually(async () => agent.frames.filter((f) => f.type === "ack").length > before);
}

async function running(seed: Seed, id: string, runId: string): Promise<Socket> {
  const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
  await send(agent, { type: "run-started", runId }, { type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-abc" } });
  await eventually(async () => (await listed(seed, id))?.status === "running");
  return agent;
}

/** The session as the list shows it (D1). */
async function listed(seed: Seed, id: string): Promise<{ status: string } | undefined> {
  const r = await (await api("/api/sessions", seed.userToken)).json<{ sessions: { id: string; status: string }[] }>();
  return r.sessions.find((s) => s.id === id);
}

async function inbox(seed: Seed, id: string): Promise<{ id: string; status: string }[]> {
  return (await (await api(`/api/approvals?session=${id}&status=all`, seed.userToken)).json<{ approvals: { id: string; status: string }[] }>()).approvals;
}

/** D1 refuses this session's summary and approval writes until `restore()` (a fault, not a mock). */
async function breakD1For(id: string): Promise<{ restore(): Promise<void> }> {
  const tag = id.replace(/\W/g, "_");
  await env.DB.exec(`CREATE TRIGGER fail_sessions_${tag} BEFORE UPDATE ON sessions WHEN NEW.id = '${id}' BEGIN SELECT RAISE(ABORT, 'injected D1 fault'); END`);
  await env.DB.exec(`CREATE TRIGGER fail_approvals_${tag} BEFORE INSERT ON approvals WHEN NEW.session_id = '${id}' BEGIN SELECT RAISE(ABORT, 'injected D1 fault'); END`);
  return {
    async restore() {
      await env.DB.exec(`DROP TRIGGER fail_sessions_${tag}`);
      await env.DB.exec(`DROP TRIGGER fail_approvals_${tag}`);
    },
  };
}

/** Waits for the room's outbox to have tried what is queued now (a decision call awaits that; this one is refused). */
async function flushAttempted(seed: Seed, id: string): Promise<void> {
  const r = await api(`/api/sessions/${id}/approvals/apr_00000000000000000000/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256: "0".repeat(64) } });
  expect(r.status).toBe(404);
}

describe("sequence numbers", () => {
  it("does not burn a seq on a write that rolls back: the next event gets the next number", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    const room = env.SessionRoom.getByName(id);
    await runInDurableObject(room, (_i, state) => {
      state.storage.sql.exec(`CREATE TRIGGER fail_lost BEFORE INSERT ON room_events WHEN NEW.body LIKE '%"lost"%' BEGIN SELECT RAISE(ABORT, 'injected storage fault'); END`);
    });
    // Frames on one socket are handled in order: the refused write comes first, then the next event.
    agent.send({ type: "agent-events", events: [envelope({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "lost" }] } } })] });
    await send(agent, { type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "kept" }] } } });
    const { events, lastSeq } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { seq: number }[]; lastSeq: number }>();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(lastSeq).toBe(events.length);
  });
});
