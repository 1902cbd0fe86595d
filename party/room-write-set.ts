/**
 * What one or more of a room's steps write, gathered as data and written coalesced in one transaction. A
 * held batch (held-write.ts) used to replay each step's whole write, statement after statement (the session
 * row, every outbox row, every event), and the calls behind a large batch waited for all of it; now a batch
 * writes the session once (its last state), each approval, timer and outbox row once (its last version), and
 * each table in one statement, whatever the batch's size. A lone step goes through the same path. Pure (Node-tested);
 * storage.ts writes the result (`writeCoalesced`).
 */
import type { OutboxTarget } from "./core/outbox";

export type RoomWrite =
  | { kind: "event"; seq: number; at: number; body: string }
  | { kind: "approval"; id: string; body: string }
  | { kind: "schedule"; key: string; dueAt: number; timer: string; keep: boolean }
  | { kind: "unschedule"; key: string }
  | { kind: "session"; body: string }
  | { kind: "ingested"; id: string; runId?: string; seq?: number }
  | { kind: "outbox"; target: OutboxTarget; key: string; body: string }
  /** Rows an earlier delivery took out (by id: a row replaced meanwhile has a new id and stays). */
  | { kind: "outbox-drop"; ids: readonly number[] }
  /** The last event seq handed to the search indexer. */
  | { kind: "index-cursor"; seq: number };

type Put = Extract<RoomWrite, { kind: "schedule" }>;

/** The writes' end state, one row per key, as few statements as the tables need. */
export interface CoalescedWrites {
  events: [seq: number, at: number, body: string][];
  approvals: [id: string, body: string][];
  /** Timers set (replacing a deadline), set only if none is (`keep`), and dropped: one of the three per key. */
  schedules: { set: [key: string, dueAt: number, timer: string][]; keep: [key: string, dueAt: number, timer: string][]; drop: string[] };
  session: string | null;
  ingested: string[];
  runSeq: [runId: string, seq: number][];
  /** In the order of each row's last version: a replaced row takes a new id, after the rows queued before it. */
  outbox: [target: OutboxTarget, key: string, body: string][];
  outboxDrop: number[];
  indexCursor: number | null;
}

/** A timer's ops on one key folded into the one that leaves the same row behind. */
function foldSchedule(prev: Put | { kind: "unschedule"; key: string } | undefined, next: Put | { kind: "unschedule"; key: string }) {
  if (next.kind === "unschedule" || !next.keep || prev === undefined) return next;
  if (prev.kind === "unschedule") return { ...next, keep: false }; // the row is gone: the kept put sets it
  return prev; // a row is there (set by prev, or kept as it was): the kept put does nothing
}

/** Pure: the end state of applying `writes` in order, given that each statement replaces or keeps as the room's did. */
export function coalesce(writes: readonly RoomWrite[]): CoalescedWrites {
  const events: CoalescedWrites["events"] = [];
  const approvals = new Map<string, string>();
  const schedules = new Map<string, Put | { kind: "unschedule"; key: string }>();
  let session: string | null = null;
  const ingested = new Set<string>();
  const runSeq = new Map<string, number>();
  const outbox = new Map<string, [OutboxTarget, string, string]>();
  const outboxDrop = new Set<number>();
  let indexCursor: number | null = null;
  for (const w of writes) {
    if (w.kind === "event") events.push([w.seq, w.at, w.body]);
    else if (w.kind === "approval") approvals.set(w.id, w.body);
    else if (w.kind === "schedule" || w.kind === "unschedule") schedules.set(w.key, foldSchedule(schedules.get(w.key), w));
    else if (w.kind === "session") session = w.body;
    else if (w.kind === "ingested") {
      ingested.add(w.id);
      if (w.runId !== undefined && w.seq !== undefined) runSeq.set(w.runId, Math.max(w.seq, runSeq.get(w.runId) ?? w.seq));
    } else if (w.kind === "outbox-drop") for (const id of w.ids) outboxDrop.add(id);
    else if (w.kind === "index-cursor") indexCursor = Math.max(w.seq, indexCursor ?? w.seq);
    else {
      const id = JSON.stringify([w.target, w.key]);
      outbox.delete(id); // to the end: its id comes after every row queued before this version
      outbox.set(id, [w.target, w.key, w.body]);
    }
  }
  const set: CoalescedWrites["schedules"] = { set: [], keep: [], drop: [] };
  for (const s of schedules.values()) {
    if (s.kind === "unschedule") set.drop.push(s.key);
    else (s.keep ? set.keep : set.set).push([s.key, s.dueAt, s.timer]);
  }
  return {
    events,
    approvals: [...approvals],
    schedules: set,
    session,
    ingested: [...ingested],
    runSeq: [...runSeq],
    outbox: [...outbox.values()],
    outboxDrop: [...outboxDrop],
    indexCursor,
  };
}
