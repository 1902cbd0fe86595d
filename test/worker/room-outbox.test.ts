/**
 * The room's outbox is durable (issue 11, item 2): what must follow a change (the D1 mirror of the
 * summary and approvals, audit entries, launch orders, hub frames) commits with it in the room's
 * SQLite and is delivered until it lands: after D1 comes back, and after the room is evicted.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
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
  const runId = await runInDurableObject(
    env.AgentLink.getByName(seed.agentId),
    async (instance) => (instance as unknown as { queued(): { runId: string }[] }).queued().at(-1)!.runId,
  );
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
  await env.DB.exec(
    `CREATE TRIGGER fail_approvals_${tag} BEFORE INSERT ON approvals WHEN NEW.session_id = '${id}' BEGIN SELECT RAISE(ABORT, 'injected D1 fault'); END`,
  );
  return {
    async restore() {
      await env.DB.exec(`DROP TRIGGER fail_sessions_${tag}`);
      await env.DB.exec(`DROP TRIGGER fail_approvals_${tag}`);
    },
  };
}

/** Waits for the room's outbox to have tried what is queued now (a decision call awaits that; this one is refused). */
async function flushAttempted(seed: Seed, id: string): Promise<void> {
  const r = await api(`/api/sessions/${id}/approvals/apr_00000000000000000000/decision`, seed.userToken, {
    method: "POST",
    json: { decision: "approve", inputSha256: "0".repeat(64) },
  });
  expect(r.status).toBe(404);
}

describe("a failed flush is retried until it lands", () => {
  it("mirrors an approval and the session's status once D1 is back, after an alarm and with no new activity", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    const fault = await breakD1For(id);
    await send(agent, {
      type: "approval-request",
      requestId: "req-1",
      toolName: "Write",
      toolUseId: "toolu_1",
      input: { file_path: "/work/a.txt", content: "a" },
    });
    await flushAttempted(seed, id);
    expect(await inbox(seed, id)).toEqual([]);
    expect((await listed(seed, id))?.status).toBe("running");

    await fault.restore();
    const room = env.SessionRoom.getByName(id);
    expect(await runInDurableObject(room, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await runDurableObjectAlarm(room)).toBe(true);
    expect((await eventually(async () => (await inbox(seed, id))[0])).status).toBe("pending");
    expect(
      (
        await eventually(async () => {
          const s = await listed(seed, id);
          return s?.status === "waiting_for_approval" ? s : null;
        })
      ).status,
    ).toBe("waiting_for_approval");
  });

  it("delivers what an evicted room had queued when a fresh instance wakes: the end of a run reaches the list", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    const fault = await breakD1For(id);
    await send(agent, { type: "run-ended", runId, outcome: { kind: "success", result: "Done.", ...ZERO_OUTCOME } });
    await flushAttempted(seed, id);
    expect((await listed(seed, id))?.status).toBe("running");

    // The runtime is killed between the change and its delivery; it comes back with D1 healthy.
    const room = env.SessionRoom.getByName(id);
    await runInDurableObject(room, (_i, state) => state.abort("evicted")).catch(() => undefined);
    await fault.restore();
    expect(await runDurableObjectAlarm(env.SessionRoom.getByName(id))).toBe(true);
    const s = await eventually(async () => {
      const x = await listed(seed, id);
      return x?.status === "completed" ? x : null;
    });
    expect(s.status).toBe("completed");
  });
});

describe("a launch order waits out a machine link that fails", () => {
  it("hands a continue's launch to the link once it works again, on the room's alarm", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    await send(agent, { type: "run-ended", runId, outcome: { kind: "success", result: "Done.", ...ZERO_OUTCOME } });
    await eventually(async () => (await listed(seed, id))?.status === "completed");
    const link = env.AgentLink.getByName(seed.agentId);
    const queue = `CREATE TABLE IF NOT EXISTS link_queue (run_id TEXT PRIMARY KEY, order_json TEXT NOT NULL, created_at INTEGER NOT NULL)`;
    // The link's own storage refuses the order (a fault in the real object, not a stand-in).
    await runInDurableObject(link, (_i, state) => void state.storage.sql.exec(`DROP TABLE link_queue`));
    const continued = await api(`/api/sessions/${id}/continue`, seed.userToken, { method: "POST", json: { prompt: "and now the tests" } });
    expect(continued.status).toBe(200);

    await runInDurableObject(link, (_i, state) => void state.storage.sql.exec(queue));
    expect(await runDurableObjectAlarm(env.SessionRoom.getByName(id))).toBe(true);
    const queued = await eventually(() =>
      runInDurableObject(link, async (i) => (i as unknown as { queued(): { sessionId: string; runId: string }[] }).queued().find((o) => o.sessionId === id)),
    );
    expect(queued.runId).not.toBe(runId);
  });
});

describe("a redelivery does not double anything", () => {
  it("writes a decision's audit entry once even when the outbox delivers it twice", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    await send(agent, {
      type: "approval-request",
      requestId: "req-1",
      toolName: "Write",
      toolUseId: "toolu_1",
      input: { file_path: "/work/a.txt", content: "a" },
    });
    const approval = await eventually(
      async () => (await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: { id: string; inputSha256: string }[] }>()).approvals[0],
    );
    const fault = await breakD1For(id);
    const decided = await api(`/api/sessions/${id}/approvals/${approval.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", inputSha256: approval.inputSha256 },
    });
    expect(decided.status).toBe(200);
    const room = env.SessionRoom.getByName(id);
    // What a crash right after D1 committed, before the room cleared its outbox, leaves behind.
    const queued = await runInDurableObject(room, (_i, state) =>
      state.storage.sql.exec<{ target: string; key: string; body: string }>(`SELECT target, key, body FROM room_outbox`).toArray(),
    );
    expect(queued.map((r) => `${r.target}/${r.key}`)).toEqual(expect.arrayContaining(["d1/summary", `d1/approval:${approval.id}`]));
    await fault.restore();
    await runDurableObjectAlarm(room);
    await eventually(async () => (await inbox(seed, id))[0]?.status === "approved");
    await runInDurableObject(room, async (_i, state) => {
      for (const r of queued) state.storage.sql.exec(`INSERT OR REPLACE INTO room_outbox (target, key, body) VALUES (?, ?, ?)`, r.target, r.key, r.body);
      state.storage.sql.exec(`INSERT OR REPLACE INTO room_schedules (key, due_at, timer) VALUES ('outbox', 0, '{"kind":"outbox"}')`);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await runDurableObjectAlarm(room);
    expect(await runInDurableObject(room, (_i, state) => state.storage.sql.exec(`SELECT 1 FROM room_outbox`).toArray().length)).toBe(0);
    const { entries } = await (await api(`/api/audit?action=approval.approved&target=${approval.id}`, seed.userToken)).json<{ entries: unknown[] }>();
    expect(entries).toHaveLength(1);
  });
});

describe("audit entries of session events", () => {
  it("are chained by the workspace hub's alarm, not on the decision's path, and a reader sees them at once", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    const ws = seed.workspaceId;
    const count = async (table: string) =>
      (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ? AND action = 'approval.approved'`).bind(ws).first<{ n: number }>())!.n;
    const decide = async (toolUseId: string) => {
      await send(agent, {
        type: "approval-request",
        requestId: `req-${toolUseId}`,
        toolName: "Write",
        toolUseId,
        input: { file_path: `/work/${toolUseId}`, content: "s" },
      });
      const approval = await eventually(async () =>
        (
          await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: { id: string; toolUseId: string; inputSha256: string }[] }>()
        ).approvals.find((a) => a.toolUseId === toolUseId),
      );
      const res = await api(`/api/sessions/${id}/approvals/${approval.id}/decision`, seed.userToken, {
        method: "POST",
        json: { decision: "approve", inputSha256: approval.inputSha256 },
      });
      expect(res.status).toBe(200);
      return approval;
    };

    const first = await decide("toolu_s1");
    await eventually(async () => (await count("audit_pending")) === 1);
    // Delivered to D1 and not chained yet: the room did not wait on the sealer.
    expect(await count("audit_log")).toBe(0);
    // A reader seals first, so the decision is listed without waiting for the hub's alarm.
    const listed = await (await api(`/api/audit?action=approval.approved&target=${first.id}`, seed.userToken)).json<{ entries: unknown[] }>();
    expect(listed.entries).toHaveLength(1);

    await decide("toolu_s2");
    await eventually(async () => (await count("audit_pending")) === 1);
    const hub = env.WorkspaceHub.getByName(ws);
    expect(await runInDurableObject(hub, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    await runDurableObjectAlarm(hub);
    expect(await count("audit_pending")).toBe(0);
    expect(await count("audit_log")).toBe(2);
  });
});

describe("the machine's link takes a repeated order once", () => {
  const hello = { type: "hello", machine: { name: "m", hostname: "host", labels: [], capacity: 2, versions: { node: "v20" } }, running: [] };

  it("does not queue again a launch the agent took, or one that was cancelled, when an outbox repeats it", async () => {
    const seed = await seedWorkspace();
    await launch(seed);
    const control = await openSocket("/api/agents/connect", seed.agentToken);
    control.send(hello);
    const taken = (await control.next((f) => f.type === "launch")).order as { runId: string };
    control.send({ type: "launch-ack", runId: taken.runId });
    const second = await launch(seed);
    const cancelledOrder = (await control.next((f) => f.type === "launch" && (f.order as { runId: string }).runId === second.runId)).order;
    expect((await api(`/api/sessions/${second.id}/interrupt`, seed.userToken, { method: "POST" })).status).toBe(200);
    const link = env.AgentLink.getByName(seed.agentId);
    await eventually(() => runInDurableObject(link, async (i) => (i as unknown as { queued(): unknown[] }).queued().length === 0));
    const launches = control.frames.filter((f) => f.type === "launch").length;

    // What a room's outbox sends again after a crash between delivering and clearing its rows.
    const queued = await runInDurableObject(link, async (instance) => {
      const l = instance as unknown as { enqueue(w: string, o: unknown): Promise<void>; queued(): unknown[] };
      await l.enqueue(seed.workspaceId, taken);
      await l.enqueue(seed.workspaceId, cancelledOrder);
      return l.queued();
    });
    expect(queued).toEqual([]);
    control.send({ type: "ping" });
    await control.next((f) => f.type === "pong");
    expect(control.frames.filter((f) => f.type === "launch")).toHaveLength(launches);
  });
});

describe("sequence numbers", () => {
  it("does not burn a seq on a write that rolls back: the next event gets the next number", async () => {
    const seed = await seedWorkspace();
    const { id, runId } = await launch(seed);
    const agent = await running(seed, id, runId);
    const room = env.SessionRoom.getByName(id);
    await runInDurableObject(room, (_i, state) => {
      state.storage.sql.exec(
        `CREATE TRIGGER fail_lost BEFORE INSERT ON room_events WHEN NEW.body LIKE '%"lost"%' BEGIN SELECT RAISE(ABORT, 'injected storage fault'); END`,
      );
    });
    // Frames on one socket are handled in order: the refused write comes first, then the next event.
    agent.send({
      type: "agent-events",
      events: [envelope({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "lost" }] } } })],
    });
    await send(agent, { type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "kept" }] } } });
    const { events, lastSeq } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { seq: number }[]; lastSeq: number }>();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(lastSeq).toBe(events.length);
  });
});
