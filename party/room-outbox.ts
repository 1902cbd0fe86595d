/**
 * Everything a SessionRoom tells the outside world after a change, and when: the summary row, approval
 * mirror and audit entries in D1, launches and cancellations for the machine's AgentLink, the end of a
 * pipeline step, and list/inbox frames for the workspace hub (delivered by outbox-targets.ts). IMPORTANT: what
 * must follow a change is queued in the room's SQLite in the same transaction (`record`), and a row leaves only
 * once its delivery succeeded; a failure is retried with backoff on the room's alarm, which survives restarts.
 * Locally every turn that writes the room's SQLite costs a commit with an fsync on workerd's one
 * thread, so what follows a delivery (dropping its rows, the index cursor) rides on the next change's
 * own transaction, or on the alarm when the room goes quiet: one commit per change at steady state.
 */
import type { z } from "zod";
import type { SessionSummary } from "../worker/protocol/session";
import { makeDb } from "../worker/db/client";
import type { SessionEvent } from "../worker/protocol/events";
import { afterDelivery, auditEntryFor, pipelineEndKey, retryDelayMs, type OutboxRow, type OutboxTarget } from "./core/outbox";
import { toPublicApproval, type Effect } from "./core/room";
import * as store from "./storage";
import { RoomIndexing } from "./room-indexing";
import { WriteBehind } from "./write-behind";
import { NOTHING_FOLLOWS, OutboxTargets } from "./outbox-targets";
import type { RoomWrite } from "./room-write-set";

/** Lists and the inbox may trail the live session socket by this much; see WriteBehind. */
const OUTBOX_DELAY_MS = 25;
/**
 * A change of the summary alone (counts, tokens, last activity: every event of a running session)
 * reaches D1 and the lists within this: one D1 write a second per busy room instead of one per event.
 * So does a call a rule decided (its approval record and audit entry): history, which no one waits on.
 * A status, a call that waits for a person or a person's decision, an end or a launch keeps OUTBOX_DELAY_MS.
 */
const SUMMARY_DELAY_MS = 1000;
/** If the process dies before the coalesced flush, the room's alarm delivers after this long. */
const UNFLUSHED_RETRY_MS = 10_000;

/** Where the room keeps the last seq it handed to the indexer (DO SQLite), so restarts resume from there. */
export interface IndexCursor {
  load(): number;
  save(seq: number): void;
}

/**
 * What the change being committed queued: the summary as queued, whether to deliver soon (anything but
 * the summary and what a rule decided) or within SUMMARY_DELAY_MS, and the bookkeeping of earlier
 * deliveries it carries.
 */
export type Recording = {
  json: string;
  queued: boolean;
  urgent: boolean;
  soon: boolean;
  dropped: number[];
  cursor: number | null;
  emitted: readonly SessionEvent[];
};

export class RoomOutbox {
  /** The summary last queued for D1 (memory only: after a restart the first change queues it again). */
  #recorded = "";
  /**
   * Rows delivered and not yet deleted: the next change's transaction deletes them (memory only: a
   * restart delivers them again, and every delivery is an upsert or taken once by its key).
   */
  #delivered = new Set<number>();
  /** The index cursor to store with the next change (see #delivered). */
  #cursorDue: number | null = null;
  #writer = new WriteBehind<null>(
    () => this.#deliver(),
    (e) => console.error("session room outbox: delivery failed; retrying on the room's alarm", e),
    OUTBOX_DELAY_MS,
  );

  /** Bodies this instance queued, by their JSON, until it reads them back to deliver them. */
  #written = new Map<string, unknown>();
  #indexing: RoomIndexing;
  readonly #targets: OutboxTargets;

  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
    private readonly summaryOf: () => SessionSummary | null,
    private readonly indexCursor: IndexCursor,
    /** Points the room's one alarm at its earliest schedule (the outbox's retry is one of them). */
    private readonly rearm: () => void,
  ) {
    this.#indexing = new RoomIndexing(env, storage.sql, summaryOf, indexCursor.load(), (upTo) => {
      this.#cursorDue = upTo;
    });
    this.#targets = new OutboxTargets(env, storage.sql, {
      parsed: (schema, row) => this.#parsed(schema, row),
      delivered: (id) => this.#delivered.add(id),
    });
  }

  /**
   * Stages into `batch` what must follow a change, so both commit in one transaction (or neither); pass what
   * it returns to `committed()` once that transaction committed.
   */
  record(
    batch: RoomWrite[],
    effects: readonly Effect[],
    emitted: readonly SessionEvent[],
    before: SessionSummary | null,
    after: SessionSummary | null,
    now: number,
  ): Recording {
    const rec: Recording = { json: this.#recorded, queued: false, urgent: false, soon: false, dropped: [...this.#delivered], cursor: this.#cursorDue, emitted };
    // Earlier deliveries' bookkeeping rides on this change's transaction.
    if (rec.dropped.length) batch.push({ kind: "outbox-drop", ids: rec.dropped });
    if (rec.cursor !== null) batch.push({ kind: "index-cursor", seq: rec.cursor });
    if (!after) return rec;
    // `history`: nobody waits on the row (see SUMMARY_DELAY_MS), so it need not hurry its delivery.
    const put = (target: OutboxTarget, key: string, body: unknown, history = false) => {
      const json = JSON.stringify(body);
      batch.push({ kind: "outbox", target, key, body: json });
      this.#written.set(json, body);
      rec.queued = true;
      if (!history) rec.soon = true;
    };
    if (before?.status !== after.status) rec.soon = true;
    const json = JSON.stringify(after);
    if (json !== this.#recorded) put("d1", "summary", {}, true);
    rec.json = json;
    for (const ev of emitted) {
      const entry = auditEntryFor(after.workspaceId, after.id, ev);
      // Keyed by the event's seq: the entry's stable source, so a redelivery is not written twice.
      if (entry) put("d1", `audit:${ev.seq}`, { ...entry, at: now }, entry.via === "rule");
    }
    for (const e of effects) {
      if (e.type === "save-approval") put("d1", `approval:${e.approval.id}`, toPublicApproval(e.approval), e.approval.via === "rule");
      else if (e.type === "launch") put("link", `launch:${e.order.runId}`, { type: "launch", order: e.order });
      else if (e.type === "cancel-launch") put("link", `cancel:${e.runId}`, { type: "cancel", runId: e.runId });
    }
    const end = pipelineEndKey(after);
    if (end && end !== pipelineEndKey(before)) {
      put("pipeline", "end", { status: after.status });
      // The end of a pipeline step's session is what its run waits on: no coalescing delay for it.
      rec.urgent = true;
    }
    // Kept when armed: a retry already due sooner stands, so an event re-writes nothing.
    if (rec.queued) batch.push({ kind: "schedule", key: store.OUTBOX_SCHEDULE, dueAt: now + UNFLUSHED_RETRY_MS, timer: store.OUTBOX_TIMER, keep: true });
    return rec;
  }

  /** The change `rec` was recorded for has committed: deliver it soon. */
  committed(rec: Recording): void {
    this.#recorded = rec.json;
    for (const id of rec.dropped) this.#delivered.delete(id);
    this.#indexing.stored(rec.emitted);
    if (rec.cursor !== null && rec.cursor === this.#cursorDue) this.#cursorDue = null;
    if (!rec.queued) return;
    this.#writer.push(null, rec.soon ? OUTBOX_DELAY_MS : SUMMARY_DELAY_MS);
    if (rec.urgent) void this.#writer.settled();
  }

  /** On wake: anything left queued (a restart, an eviction) goes out. */
  resume(): void {
    if (store.hasOutbox(this.storage.sql)) this.#writer.push(null);
  }

  /** The room's alarm fired: deliver what is queued, whether or not its retry was due yet. */
  async onAlarm(now: number): Promise<void> {
    if (this.#tidy()) return;
    // Armed again first, so a process that dies during this delivery still comes back to it.
    store.armOutbox(this.storage.sql, now + UNFLUSHED_RETRY_MS, false);
    this.#writer.push(null);
    await this.settled();
    this.#tidy();
  }

  /**
   * The room's quiet-time bookkeeping, in one turn: deletes the rows delivered, stores the index
   * cursor, and disarms the retry once nothing is left to deliver (true then).
   */
  #tidy(): boolean {
    const sql = this.storage.sql;
    const rows = store.readOutbox(sql);
    const done = rows.filter((r) => this.#delivered.has(r.id)).map((r) => r.id);
    store.dropOutbox(sql, done);
    for (const id of done) this.#delivered.delete(id);
    if (this.#cursorDue !== null) this.indexCursor.save(this.#cursorDue);
    this.#cursorDue = null;
    if (done.length < rows.length) return false;
    store.disarmOutbox(sql);
    return true;
  }

  /**
   * Starts delivering what is queued now, and resolves once that has been tried. It does not say it
   * landed: everything queued is already durable in the room's SQLite, and a failure is retried.
   */
  settled(): Promise<void> {
    return this.#writer.settled();
  }

  async #deliver(): Promise<void> {
    const summary = this.summaryOf();
    if (!summary) return;
    const sql = this.storage.sql;
    try {
      await this.#flush(summary);
    } catch (e) {
      this.#targets.redial();
      store.armOutbox(sql, Date.now() + retryDelayMs(store.countOutboxFailure(sql)), false);
      this.rearm();
      throw e;
    }
    // Nothing written here on success: the delivered rows go with the next change or the alarm's tidy.
  }

  /** D1 first (the others wait on it), then each other target in order; a failing target stops only itself. */
  async #flush(summary: SessionSummary): Promise<void> {
    const sql = this.storage.sql;
    const db = makeDb(this.env.DB);
    // Read once: rows queued while D1 answers are left to the next round, which the writer runs next.
    let rows = store.readOutbox(sql).filter((r) => !this.#delivered.has(r.id));
    const d1 = rows.filter((r) => r.target === "d1");
    const follow = d1.length ? await this.#targets.d1(summary, d1) : NOTHING_FOLLOWS;
    rows = afterDelivery(rows, d1, []);
    this.#indexing.enqueue();
    const errors: unknown[] = [];
    for (const stage of [
      () => this.#targets.link(summary, rows),
      () => this.#targets.pipelineEnd(db, summary, rows),
      () => this.#targets.hub(summary, rows, follow),
    ]) {
      try {
        await stage();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors.length === 1 ? errors[0] : new AggregateError(errors, "session room outbox");
  }

  /**
   * A queued row's body. Rows this instance wrote come back as written (zod on every flush was an
   * eighth of the room's CPU in the approval bench's profile); rows left by an earlier instance (a
   * restart, another version) are parsed. A corrupt one is logged and yields nothing (its row is
   * then dropped as delivered).
   */
  #parsed<T>(schema: z.ZodType<T>, row: OutboxRow): T[] {
    const own = this.#written.get(row.body);
    if (own !== undefined) {
      this.#written.delete(row.body);
      return [own as T];
    }
    try {
      const r = schema.safeParse(JSON.parse(row.body));
      if (r.success) return [r.data];
      console.error(`session room outbox: corrupt ${row.target}/${row.key}`, r.error.issues.slice(0, 3));
    } catch (e) {
      console.error(`session room outbox: unreadable ${row.target}/${row.key}`, e);
    }
    return [];
  }
}
