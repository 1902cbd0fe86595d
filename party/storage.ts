/**
 * The SessionRoom's own SQLite tables (DO storage): the ordered event log, the ids of agent events
 * already ingested and the last number stored of each agent run, approval records, timers, and the
 * session's facts. Every value read back is parsed; a corrupt row is logged and skipped rather than
 * crashing the room forever.
 */
import { z } from "zod";
import { Approval, ToolInput } from "../worker/protocol/approval";
import { DecisionProof } from "../worker/protocol/signed-decision";
import { EventBody, type SessionEvent } from "../worker/protocol/events";
import { AgentId, SessionId, WorkspaceId } from "../worker/protocol/ids";
import { LaunchSpec, SessionStatus } from "../worker/protocol/session";
import { MachineDenyRules } from "../worker/protocol/rules";
import { OUTBOX_TARGETS, type OutboxRow } from "./core/outbox";
import type { ApprovalRecord, RoomTimer, SessionFacts } from "./core/room";
import type { CoalescedWrites } from "./room-write-set";

const SCHEMA_VERSION = 1;

const DDL = [
  `CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS room_events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS room_ingested (event_id TEXT PRIMARY KEY)`,
  `CREATE TABLE IF NOT EXISTS room_agent_seq (run_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS room_approvals (id TEXT PRIMARY KEY, body TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS room_schedules (key TEXT PRIMARY KEY, due_at INTEGER NOT NULL, timer TEXT NOT NULL)`,
  // AUTOINCREMENT: ids never repeat, so a replaced row is newer than any delivery already in flight.
  `CREATE TABLE IF NOT EXISTS room_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (target, key))`,
];

const Figures = z.object({ inputTokens: z.number(), outputTokens: z.number(), numTurns: z.number() });
const StoredSession = z.object({
  id: SessionId,
  workspaceId: WorkspaceId,
  agentId: AgentId,
  agentName: z.string(),
  ownerId: z.string().default(""),
  parentSessionId: SessionId.nullable(),
  title: z.string(),
  spec: LaunchSpec,
  status: SessionStatus,
  statusReason: z.string(),
  archived: z.boolean(),
  claudeSessionId: z.string().nullable(),
  runId: z.string(),
  tally: z.object({
    messageCount: z.number(),
    toolCallCount: z.number(),
    settled: Figures,
    live: Figures,
    claudeCostUsd: z.number(),
    costBaselineUsd: z.number(),
    recent: z.array(z.object({ id: z.string(), inputTokens: z.number(), outputTokens: z.number() })).optional(),
  }),
  result: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  endedAt: z.number().nullable(),
  interruptedBy: z.string().nullable().optional(),
  machineDenyRules: MachineDenyRules.nullable().optional(),
  requireSignedDecisions: z.boolean().optional(),
  origin: z
    .object({
      templateId: z.string().nullable(),
      templateVersion: z.number().nullable(),
      templateParams: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
      pipelineRunId: z.string().nullable(),
      pipelineStepId: z.string().nullable(),
    })
    .optional(),
});
const StoredApproval = z.intersection(
  Approval,
  z.object({
    requestId: z.string(),
    runId: z.string(),
    agentInput: ToolInput.nullable().optional(),
    editSha256: z.string().nullable().optional(),
    requiresUserInteraction: z.boolean().optional(),
    suppressAlwaysAllowRule: z.boolean().optional(),
    proof: DecisionProof.optional(),
  }),
);
const StoredTimer = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("approval-expiry"), approvalId: z.string() }),
  z.object({ kind: z.literal("approval-escalate"), approvalId: z.string() }),
  z.object({ kind: z.literal("approval-deadline"), approvalId: z.string() }),
  z.object({ kind: z.literal("agent-lost") }),
  z.object({ kind: z.literal("approval-park"), approvalId: z.string() }),
]);

type Sql = SqlStorage;

export function migrate(sql: Sql): void {
  for (const stmt of DDL) sql.exec(stmt);
  sql.exec(`INSERT OR IGNORE INTO room_meta (key, value) VALUES ('schema_version', ?)`, String(SCHEMA_VERSION));
}

function parseOrLog<T>(schema: z.ZodType<T>, raw: string, what: string): T | null {
  try {
    const r = schema.safeParse(JSON.parse(raw));
    if (r.success) return r.data;
    console.error(`room storage: corrupt ${what}`, r.error.issues.slice(0, 3));
  } catch (e) {
    console.error(`room storage: unreadable ${what}`, e);
  }
  return null;
}

export function loadSession(sql: Sql): SessionFacts | null {
  const row = sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = 'session'`).toArray()[0];
  return row ? (parseOrLog(StoredSession, row.value, "session") as SessionFacts | null) : null;
}

export function saveSession(sql: Sql, s: SessionFacts): void {
  sql.exec(`INSERT OR REPLACE INTO room_meta (key, value) VALUES ('session', ?)`, JSON.stringify(s));
}

export function loadApprovals(sql: Sql): Record<string, ApprovalRecord> {
  const out: Record<string, ApprovalRecord> = {};
  for (const row of sql.exec<{ body: string }>(`SELECT body FROM room_approvals`)) {
    const rec = parseOrLog(StoredApproval, row.body, "approval") as ApprovalRecord | null;
    if (rec) out[rec.id] = rec;
  }
  return out;
}

export function saveApproval(sql: Sql, a: ApprovalRecord): void {
  sql.exec(`INSERT OR REPLACE INTO room_approvals (id, body) VALUES (?, ?)`, a.id, JSON.stringify(a));
}

export function lastSeq(sql: Sql): number {
  return sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM room_events`).one().seq ?? 0;
}

export function appendEvent(sql: Sql, seq: number, at: number, body: EventBody): SessionEvent {
  sql.exec(`INSERT INTO room_events (seq, at, body) VALUES (?, ?, ?)`, seq, at, JSON.stringify(body));
  return { seq, at, ...body };
}

export function readEvents(sql: Sql, after: number, limit: number): SessionEvent[] {
  const rows = sql.exec<{ seq: number; at: number; body: string }>(`SELECT seq, at, body FROM room_events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit);
  const out: SessionEvent[] = [];
  for (const r of rows) {
    const body = parseOrLog(EventBody, r.body, `event ${r.seq}`);
    if (body) out.push({ seq: r.seq, at: r.at, ...body });
  }
  return out;
}

export function wasIngested(sql: Sql, eventId: string): boolean {
  return sql.exec(`SELECT 1 FROM room_ingested WHERE event_id = ?`, eventId).toArray().length > 0;
}

/** The agent's number of the last event of `runId` this room stored (0: none yet). */
export function lastAgentSeq(sql: Sql, runId: string): number {
  const row = sql.exec<{ last_seq: number }>(`SELECT last_seq FROM room_agent_seq WHERE run_id = ?`, runId).toArray()[0];
  return row?.last_seq ?? 0;
}

/** Records an agent event as consumed, and if it has a place in its run, that run's new last number. */
export function markIngested(sql: Sql, event: { id: string; runId?: string; seq?: number }): void {
  sql.exec(`INSERT OR IGNORE INTO room_ingested (event_id) VALUES (?)`, event.id);
  if (event.runId === undefined || event.seq === undefined) return;
  sql.exec(
    `INSERT INTO room_agent_seq (run_id, last_seq) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)`,
    event.runId,
    event.seq,
  );
}

/** Sets a timer; with `keep`, a timer already set under that key keeps its deadline. */
export function putSchedule(sql: Sql, key: string, dueAt: number, timer: RoomTimer, keep = false): void {
  const onConflict = keep ? "DO NOTHING" : "DO UPDATE SET due_at = excluded.due_at, timer = excluded.timer";
  sql.exec(`INSERT INTO room_schedules (key, due_at, timer) VALUES (?, ?, ?) ON CONFLICT (key) ${onConflict}`, key, dueAt, JSON.stringify(timer));
}

export function dropSchedule(sql: Sql, key: string): void {
  sql.exec(`DELETE FROM room_schedules WHERE key = ?`, key);
}

export function nextDue(sql: Sql): number | null {
  return sql.exec<{ due: number | null }>(`SELECT MIN(due_at) AS due FROM room_schedules`).one().due ?? null;
}

/** Removes and returns the step's timers due at `now` (the outbox's retry is not one of them). */
export function takeDue(sql: Sql, now: number): RoomTimer[] {
  const rows = sql.exec<{ key: string; timer: string }>(`SELECT key, timer FROM room_schedules WHERE due_at <= ? AND key != ?`, now, OUTBOX_SCHEDULE).toArray();
  sql.exec(`DELETE FROM room_schedules WHERE due_at <= ? AND key != ?`, now, OUTBOX_SCHEDULE);
  return rows.flatMap((r) => {
    const t = parseOrLog(StoredTimer, r.timer, `timer ${r.key}`);
    return t ? [t as RoomTimer] : [];
  });
}

/** The last event seq handed to the search indexer, so a restarted room does not re-send its whole log. */
export function loadIndexedUpTo(sql: Sql): number {
  const row = sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = 'indexed_up_to'`).toArray()[0];
  const n = Number(row?.value ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export function saveIndexedUpTo(sql: Sql, seq: number): void {
  sql.exec(`INSERT INTO room_meta (key, value) VALUES ('indexed_up_to', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(seq));
}

// ---- the outbox: what must follow a committed change, until it is delivered (party/room-outbox.ts) ----

/** The room_schedules key of the outbox's retry: it shares the room's one alarm with the step's timers. */
export const OUTBOX_SCHEDULE = "outbox";

export function readOutbox(sql: Sql): OutboxRow[] {
  const rows = sql.exec<{ id: number; target: string; key: string; body: string }>(`SELECT id, target, key, body FROM room_outbox ORDER BY id`).toArray();
  return rows.filter((r): r is OutboxRow => (OUTBOX_TARGETS as readonly string[]).includes(r.target));
}

/** Deletes delivered rows by id: a row replaced meanwhile has a new id and stays. */
export function dropOutbox(sql: Sql, ids: readonly number[]): void {
  if (ids.length) sql.exec(`DELETE FROM room_outbox WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
}

export function hasOutbox(sql: Sql): boolean {
  return sql.exec(`SELECT 1 FROM room_outbox LIMIT 1`).toArray().length > 0;
}

/** The timer column of the outbox's retry (its row is told apart by its key). */
export const OUTBOX_TIMER = '{"kind":"outbox"}';

/** Arms the outbox's retry; with `keep`, a retry already armed keeps its (earlier) time. */
export function armOutbox(sql: Sql, dueAt: number, keep: boolean): void {
  const onConflict = keep ? "DO NOTHING" : "DO UPDATE SET due_at = excluded.due_at";
  sql.exec(`INSERT INTO room_schedules (key, due_at, timer) VALUES (?, ?, ?) ON CONFLICT (key) ${onConflict}`, OUTBOX_SCHEDULE, dueAt, OUTBOX_TIMER);
}

/** Everything is delivered: no retry armed, and the failure count starts over. */
export function disarmOutbox(sql: Sql): void {
  sql.exec(`DELETE FROM room_schedules WHERE key = ?`, OUTBOX_SCHEDULE);
  sql.exec(`DELETE FROM room_meta WHERE key = 'outbox_failures'`);
}

/** Counts one more failed delivery in a row and returns the count. */
export function countOutboxFailure(sql: Sql): number {
  const row = sql
    .exec<{ value: string }>(
      `INSERT INTO room_meta (key, value) VALUES ('outbox_failures', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value`,
    )
    .one();
  return Number(row.value) || 1;
}

// ---- a step's (or a held batch's) rows, coalesced by party/room-write-set.ts ----

/** Rows of a JSON array of arrays, in the array's order (`j.key` is the index). */
const rows = (cols: string) => `SELECT ${cols} FROM json_each(?) AS j WHERE true ORDER BY j.key`;
const col = (i: number) => `json_extract(j.value, '$[${i}]')`;
const cols = (n: number) => Array.from({ length: n }, (_, i) => col(i)).join(", ");

/** Writes `c`: at most one statement per table and kind. Call inside the transaction that commits it. */
export function writeCoalesced(sql: SqlStorage, c: CoalescedWrites): void {
  const many = (stmt: string, items: readonly unknown[]) => {
    if (items.length) sql.exec(stmt, JSON.stringify(items));
  };
  many(`INSERT INTO room_events (seq, at, body) ${rows(cols(3))}`, c.events);
  many(`INSERT OR REPLACE INTO room_approvals (id, body) ${rows(cols(2))}`, c.approvals);
  many(
    `INSERT INTO room_schedules (key, due_at, timer) ${rows(cols(3))} ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, timer = excluded.timer`,
    c.schedules.set,
  );
  many(`INSERT INTO room_schedules (key, due_at, timer) ${rows(cols(3))} ON CONFLICT (key) DO NOTHING`, c.schedules.keep);
  many(`DELETE FROM room_schedules WHERE key IN (SELECT value FROM json_each(?))`, c.schedules.drop);
  if (c.session !== null) sql.exec(`INSERT OR REPLACE INTO room_meta (key, value) VALUES ('session', ?)`, c.session);
  many(`INSERT OR IGNORE INTO room_ingested (event_id) ${rows("j.value")}`, c.ingested);
  many(
    `INSERT INTO room_agent_seq (run_id, last_seq) ${rows(cols(2))} ON CONFLICT (run_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)`,
    c.runSeq,
  );
  // Delivered rows go before the new versions: either order leaves the same rows, since a new version's id is new.
  dropOutbox(sql, c.outboxDrop);
  many(`INSERT OR REPLACE INTO room_outbox (target, key, body) ${rows(cols(3))}`, c.outbox);
  if (c.indexCursor !== null) saveIndexedUpTo(sql, c.indexCursor);
}
