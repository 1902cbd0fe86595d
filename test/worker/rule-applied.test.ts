import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentEnvelope, AgentEvent } from "../../worker/protocol/agent";
import { RULE_RECORD_HOLD } from "../../party/room-writes";
import { api, eventually, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

// The room answers a call its rules decide before its record of it is durable; the agent journals the sealed
// decision it applied and resends it with the request. These tests lose the record on purpose and check what
// the room then records.

type Frame = Record<string, unknown>;
type Row = Record<string, SqlStorageValue>;
let n = 0;
const envelope = (event: AgentEvent): AgentEnvelope => ({ id: `ra-${++n}`, at: Date.now(), event });
const RULES = "rules:\n  - id: work-writes\n    decision: allow\n    tool: Write\n    path: /work/**\n";
const FROZEN = "rules:\n  - id: frozen\n    decision: deny\n    tool: Write\n    message: The tree is frozen.\n";

async function started(seed: Seed): Promise<{ id: string; agent: Socket }> {
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/work" } });
  const id = (await res.json<{ id: string }>()).id;
  const runId = await runInDurableObject(
    env.AgentLink.getByName(seed.agentId),
    async (i) => (i as unknown as { queued(): { runId: string }[] }).queued().at(-1)!.runId,
  );
  const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
  agent.send({
    type: "agent-events",
    events: [envelope({ type: "run-started", runId }), envelope({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-a" } })],
  });
  await agent.next((f) => f.type === "ack");
  return { id, agent };
}

/** Every row of the room's tables: what storage holds at this moment. */
function snapshot(sql: SqlStorage): Map<string, Row[]> {
  const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'room_%'`).toArray();
  return new Map(tables.map(({ name }) => [name, sql.exec<Row>(`SELECT * FROM ${name}`).toArray()]));
}

/**
 * Puts the room's storage back as `snap` held it and resets the room: as if it crashed before the writes since.
 * In this order, whatever the held write's timers do meanwhile: the first abort ends the instance and the
 * writes it holds (one that already fired is wiped by the restore); the restore runs in a fresh instance that
 * holds nothing, so nothing can write after it; the second abort makes the room load what was restored.
 */
async function crashBack(id: string, snap: Map<string, Row[]>): Promise<void> {
  const abort = () => runInDurableObject(env.SessionRoom.getByName(id), (_i, state) => state.abort("crashed before the record landed")).catch(() => undefined);
  await abort();
  await runInDurableObject(env.SessionRoom.getByName(id), (_i, state) => {
    const sql = state.storage.sql;
    for (const [table, rows] of snap) {
      sql.exec(`DELETE FROM ${table}`);
      for (const row of rows) {
        const cols = Object.keys(row);
        sql.exec(`INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, ...cols.map((c) => row[c]));
      }
    }
  });
  // Separately: an abort drops the writes of its own event.
  await abort();
}

async function roomEvents(id: string, token: string): Promise<{ type: string; [k: string]: unknown }[]> {
  const page = await (await api(`/api/sessions/${id}/events?after=0&limit=500`, token)).json<{ events: { type: string; [k: string]: unknown }[] }>();
  return page.events;
}

async function answeredThenLost(seed: Seed) {
  await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } });
  const { id, agent } = await started(seed);
  // The first call fetches the rules; from then on the room holds them and decides in the request's own step.
  agent.send({
    type: "agent-events",
    events: [envelope({ type: "approval-request", requestId: "req-0", toolName: "Write", input: { file_path: "/work/0" } })],
  });
  await agent.next((f) => f.type === "decision" && f.requestId === "req-0");
  // Its record is written before the snapshot (a read of the room's events makes what it holds), or the snapshot would lose it too.
  expect((await roomEvents(id, seed.userToken)).some((e) => e.type === "approval-resolved")).toBe(true);
  const before = await runInDurableObject(env.SessionRoom.getByName(id), (_i, state) => snapshot(state.storage.sql));
  const request = envelope({ type: "approval-request", requestId: "req-1", toolName: "Write", input: { file_path: "/work/a.txt", content: "a" } });
  agent.send({ type: "agent-events", events: [request] });
  const decision = (await agent.next((f) => f.type === "decision" && f.requestId === "req-1")) as Frame & { rule?: unknown };
  await crashBack(id, before);
  return { id, agent, request, decision };
}

describe("a rule's answer that left before its record", () => {
  it("carries the room's seal on the rule, its version and the verdict", async () => {
    const seed = await seedWorkspace("rule-applied-stamp");
    const { decision } = await answeredThenLost(seed);
    expect(decision).toMatchObject({
      answer: { behavior: "allow" },
      rule: { verdict: { decision: "allow", rule: { id: "work-writes", version: 1 } }, seal: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it("is recorded as the agent applied it after the room lost the record, even though the rules changed since", async () => {
    const seed = await seedWorkspace("rule-applied-resend");
    const { id, request, decision } = await answeredThenLost(seed);
    expect((await roomEvents(id, seed.userToken)).some((e) => JSON.stringify(e).includes("/work/a.txt"))).toBe(false);
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: FROZEN } })).status).toBe(200);
    // The agent reconnects and resends the unacknowledged request with the decision it journalled.
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    const resent = { ...request, event: { ...request.event, applied: decision.rule } } as AgentEnvelope;
    agent.send({ type: "agent-events", events: [resent] });
    expect(await agent.next((f) => f.type === "ack")).toEqual({ type: "ack", ids: [request.id] });
    const events = await roomEvents(id, seed.userToken);
    const asked = events.find((e) => e.type === "approval-requested" && JSON.stringify(e).includes("/work/a.txt"));
    const approvalId = (asked?.approval as { id: string } | undefined)?.id;
    expect(events.find((e) => e.type === "approval-resolved" && e.approvalId === approvalId)).toMatchObject({
      status: "approved",
      via: "rule",
      by: "rule work-writes (v1)",
      rule: { id: "work-writes", version: 1 },
    });
    // Once: a second resend finds the record.
    agent.send({ type: "agent-events", events: [resent] });
    await agent.next((f) => f.type === "ack");
    expect((await roomEvents(id, seed.userToken)).filter((e) => e.type === "approval-requested").length).toBe(2);
  });
});

describe("the held records of a burst of calls its rules decide", () => {
  it("are written as soon as the room holds its most, not after the agent pauses: acknowledged before the next call is answered", async () => {
    const seed = await seedWorkspace("rule-applied-burst");
    await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } });
    const { agent } = await started(seed);
    const call = (i: number) => envelope({ type: "approval-request", requestId: `burst-${i}`, toolName: "Write", input: { file_path: `/work/${i}` } });
    // The first call fetches the rules (then the room holds them and decides in the request's own step).
    const first = call(0);
    agent.send({ type: "agent-events", events: [first] });
    await agent.next((f) => f.type === "decision" && f.requestId === "burst-0");
    const batch = Array.from({ length: RULE_RECORD_HOLD.maxCount }, (_, i) => call(i + 1));
    const next = call(RULE_RECORD_HOLD.maxCount + 1);
    agent.send({ type: "agent-events", events: batch });
    // Sent once the batch's frame was stepped (its answers are out): two frames sent back to back may be stepped
    // in either order, and the next call stepped first joins the batch (seen: 9 answers by the time it was acked).
    await agent.next((f) => f.type === "decision" && f.requestId === `burst-${RULE_RECORD_HOLD.maxCount}`);
    agent.send({ type: "agent-events", events: [next] });
    await agent.next((f) => f.type === "ack" && (f.ids as string[]).includes(next.id));
    const at = (pred: (f: Frame) => boolean) => agent.frames.findIndex(pred);
    const batchAck = at((f) => f.type === "ack" && batch.every((e) => (f.ids as string[]).includes(e.id)));
    const nextAnswer = at((f) => f.type === "decision" && f.requestId === `burst-${RULE_RECORD_HOLD.maxCount + 1}`);
    expect(agent.frames.filter((f) => f.type === "decision" && String(f.requestId).startsWith("burst-")).length).toBe(RULE_RECORD_HOLD.maxCount + 2);
    expect(batchAck).toBeGreaterThan(-1);
    expect(batchAck).toBeLessThan(nextAnswer);
  });
});

describe("security", () => {
  it("refuses a decision the room did not seal for that call: a dead letter, never an approval", async () => {
    const seed = await seedWorkspace("rule-applied-forged");
    const { id, decision } = await answeredThenLost(seed);
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    // The seal of req-1 does not carry over to another call, nor to another input.
    const other = envelope({
      type: "approval-request",
      requestId: "req-9",
      toolName: "Write",
      input: { file_path: "/etc/passwd", content: "x" },
      applied: decision.rule,
    } as AgentEvent);
    agent.send({ type: "agent-events", events: [other] });
    await agent.next((f) => f.type === "ack");
    const events = await eventually(async () => {
      const all = await roomEvents(id, seed.userToken);
      return all.some((e) => e.type === "event-dropped") ? all : null;
    });
    expect(events.find((e) => e.type === "event-dropped")).toMatchObject({ eventType: "approval-request", reason: expect.stringContaining("did not give") });
    expect(events.some((e) => JSON.stringify(e).includes("/etc/passwd"))).toBe(false);
  });
});
