/**
 * What one agent event costs outside the room's own write (issue 15): locally every turn of a room
 * that writes its SQLite ends in a commit with an fsync on workerd's one thread, and every D1 write
 * statement is another. These count both, on the real room and the real D1, while events stream.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../worker/protocol/agent";
import { api, envelope, eventually, seedWorkspace, startedSession, type Seed, type Socket } from "./helpers";

const text = (t: string): AgentEvent => ({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: t }] } } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(agent: Socket, event: AgentEvent): Promise<void> {
  const before = agent.frames.filter((f) => f.type === "ack").length;
  agent.send({ type: "agent-events", events: [envelope(event)] });
  await eventually(async () => agent.frames.filter((f) => f.type === "ack").length > before);
}

/** Has the room's outbox try what is queued now: a decision call awaits that (this one is refused). */
async function flushed(seed: Seed, id: string): Promise<void> {
  const r = await api(`/api/sessions/${id}/approvals/apr_00000000000000000000/decision`, seed.userToken, {
    method: "POST",
    json: { decision: "approve", inputSha256: "0".repeat(64) },
  });
  expect(r.status).toBe(404);
}

interface CommitCounter {
  commits(): Promise<number>;
}

/**
 * Counts the room's commits: writes made in one synchronous run share one implicit transaction. A
 * run is bounded by microtasks here, which can only split a turn, never merge two: the count is an
 * upper bound, so a test that it stays low cannot pass by accident.
 */
async function countCommits(id: string): Promise<CommitCounter> {
  const room = env.SessionRoom.getByName(id);
  await runInDurableObject(room, (_i, state) => {
    const sql = state.storage.sql;
    const exec = sql.exec.bind(sql);
    const g = globalThis as unknown as { __commits?: number };
    g.__commits = 0;
    let open = false;
    const wrote = () => {
      if (open) return;
      open = true;
      g.__commits = (g.__commits ?? 0) + 1;
      queueMicrotask(() => (open = false));
    };
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      if (!/^\s*select\b/i.test(query)) wrote();
      return exec(query, ...bindings);
    }) as typeof sql.exec;
    const setAlarm = state.storage.setAlarm.bind(state.storage);
    state.storage.setAlarm = ((...a: Parameters<typeof setAlarm>) => {
      wrote();
      return setAlarm(...a);
    }) as typeof setAlarm;
  });
  return { commits: () => runInDurableObject(room, () => (globalThis as unknown as { __commits: number }).__commits) };
}

describe("the room's commits per agent event", () => {
  it("is one at steady state: what follows a delivery rides on the next change's own transaction", async () => {
    const seed = await seedWorkspace();
    const { id, agent } = await startedSession(seed);
    await send(agent, text("warm up"));
    await flushed(seed, id);
    await sleep(50);
    const counter = await countCommits(id);
    const events = 6;
    for (let i = 0; i < events; i++) {
      await send(agent, text(`event ${i}`));
      // Each event delivered on its own (the worst case: one event per coalescing window).
      await flushed(seed, id);
      await sleep(30);
    }
    expect(await counter.commits()).toBeLessThanOrEqual(events);
  });
});

describe("the D1 mirror of a running session", () => {
  it("coalesces summary-only changes (counts, last activity) into one write a second", async () => {
    const seed = await seedWorkspace();
    const { id, agent } = await startedSession(seed);
    await eventually(async () => (await env.DB.prepare(`SELECT status FROM sessions WHERE id = ?`).bind(id).first<{ status: string }>())?.status === "running");
    await sleep(100);
    const tag = id.replace(/\W/g, "_");
    await env.DB.exec(`CREATE TABLE IF NOT EXISTS test_summary_writes (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
    await env.DB.exec(
      `CREATE TRIGGER count_${tag} AFTER UPDATE ON sessions WHEN NEW.id = '${id}' BEGIN INSERT INTO test_summary_writes (id, n) VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1; END`,
    );
    const events = 5;
    for (let i = 0; i < events; i++) {
      await send(agent, text(`event ${i}`));
      await sleep(40);
    }
    const room = env.SessionRoom.getByName(id);
    const want = await runInDurableObject(room, (i) => (i as unknown as { summary(): { messageCount: number } }).summary().messageCount);
    await eventually(async () => {
      const r = await env.DB.prepare(`SELECT message_count AS n FROM sessions WHERE id = ?`).bind(id).first<{ n: number }>();
      return r?.n === want;
    });
    const writes = await env.DB.prepare(`SELECT n FROM test_summary_writes WHERE id = ?`).bind(id).first<{ n: number }>();
    expect(writes?.n).toBeLessThanOrEqual(2);
  });

  it("delivers calls a rule decided with the summary: a burst of them is one D1 write a second, not one per call", async () => {
    const seed = await seedWorkspace();
    const rules = "rules:\n  - id: tmp-writes\n    decision: allow\n    tool: Write\n    path: /tmp/burst/**\n";
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: rules } })).status).toBe(200);
    const { id, agent } = await startedSession(seed);
    await eventually(async () => (await env.DB.prepare(`SELECT status FROM sessions WHERE id = ?`).bind(id).first<{ status: string }>())?.status === "running");
    await sleep(100);
    // Every D1 delivery of a room upserts its summary first (outbox-targets.ts): counting those counts deliveries.
    const tag = id.replace(/\W/g, "_");
    await env.DB.exec(`CREATE TABLE IF NOT EXISTS test_summary_writes (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
    await env.DB.exec(
      `CREATE TRIGGER rule_count_${tag} AFTER UPDATE ON sessions WHEN NEW.id = '${id}' BEGIN INSERT INTO test_summary_writes (id, n) VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1; END`,
    );
    const calls = 6;
    for (let i = 0; i < calls; i++) {
      const requestId = `burst-${i}`;
      agent.send({
        type: "agent-events",
        events: [envelope({ type: "approval-request", requestId, toolName: "Write", input: { file_path: `/tmp/burst/f${i}.txt`, content: "x" } })],
      });
      expect(await agent.next((f) => f.type === "decision" && f.requestId === requestId)).toMatchObject({ answer: { behavior: "allow" } });
      // Past the held records' quiet time (room-writes.ts): each call's records commit on their own.
      await sleep(40);
    }
    const decided = async () =>
      (await env.DB.prepare(`SELECT count(*) AS n FROM approvals WHERE session_id = ? AND status = 'approved'`).bind(id).first<{ n: number }>())?.n;
    await eventually(async () => (await decided()) === calls);
    const writes = await env.DB.prepare(`SELECT n FROM test_summary_writes WHERE id = ?`).bind(id).first<{ n: number }>();
    expect(writes?.n).toBeLessThanOrEqual(2);
  });
});
