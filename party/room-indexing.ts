/**
 * A SessionRoom's hand-off to search indexing: one queue message for the events stored since the
 * last (and for a new title), paced by IndexPacer, each carrying its events (core/index-jobs.ts) so
 * the consumer does not wake the room to read them back. The seq it reaches is handed to `reached`,
 * which the outbox stores with the room's next change: no commit of its own.
 */
import type { SessionEvent } from "../worker/protocol/events";
import { INDEX_JOB_CARRY_BYTES, type IndexJob } from "../worker/protocol/search";
import type { SessionSummary } from "../worker/protocol/session";
import { nextIndexChunk } from "./core/index-jobs";
import { IndexPacer } from "./core/index-pacer";
import * as store from "./storage";

/** Search may trail a running session by this much; see IndexPacer. */
const INDEX_EVERY_MS = 1000;
/**
 * A job covers at most this many events; a longer backlog (a burst of ingest) goes out at once as
 * several jobs, one after another, so no single job makes the consumer embed thousands of documents
 * in one block of CPU.
 */
const INDEX_EVENTS_PER_JOB = 500;
/** Events kept in memory for the next jobs; past this (a long queue outage) they are read back from storage. */
const RECENT_MAX = 5000;

export class RoomIndexing {
  #upTo: number;
  #title: string | null = null;
  #sending: Promise<void> | null = null;
  #pacer = new IndexPacer(INDEX_EVERY_MS);
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Events committed since the cursor, in order, so a job neither reads nor parses them again. */
  #recent: SessionEvent[] = [];

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly summaryOf: () => SessionSummary | null,
    upTo: number,
    private readonly reached: (upTo: number) => void,
  ) {
    this.#upTo = upTo;
  }

  /** Events the room has just committed. */
  stored(events: readonly SessionEvent[]): void {
    this.#recent.push(...events);
    if (this.#recent.length > RECENT_MAX) this.#recent = [];
  }

  /**
   * At most one message per INDEX_EVERY_MS while the session runs, at once when it ends. Not awaited
   * by the outbox's flush, so no reply (a decision, a launch) waits on the queue; one send at a time.
   * A failed send leaves the cursor where it was, so the next change covers those events too.
   */
  enqueue(): void {
    const s = this.summaryOf();
    if (this.#sending || !s || (s.lastSeq <= this.#upTo && s.title === this.#title)) return;
    const ended = s.endedAt !== null;
    if (this.#timer && !ended) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const after = Math.min(this.#upTo, s.lastSeq);
    const limit = Math.min(s.lastSeq, after + INDEX_EVENTS_PER_JOB);
    const wait = limit < s.lastSeq ? 0 : this.#pacer.waitMs(Date.now(), ended);
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.enqueue();
      }, wait);
      return;
    }
    const chunk = nextIndexChunk(this.#eventsAfter(after, limit), INDEX_EVENTS_PER_JOB, INDEX_JOB_CARRY_BYTES);
    const upTo = chunk?.upTo ?? limit;
    const events = chunk ? chunk.events : [];
    const job: IndexJob = {
      workspaceId: s.workspaceId,
      sessionId: s.id,
      after,
      upTo,
      ...(s.title === this.#title ? { withTitle: false } : {}),
      ...(events ? { carried: { title: s.title, createdAt: s.createdAt, events } } : {}),
    };
    this.#pacer.sent(Date.now());
    this.#sending = this.env.SEARCH_QUEUE.send(job).then(
      () => {
        this.#upTo = upTo;
        this.#title = s.title;
        this.#recent = this.#recent.filter((e) => e.seq > upTo);
        this.reached(upTo);
        this.#sending = null;
        this.enqueue();
      },
      (e: unknown) => {
        this.#sending = null;
        console.error("session room: enqueueing search indexing failed; the next change retries", e);
      },
    );
  }

  /** Events after..limit: from memory when it holds them from after + 1 on, else from the room's storage. */
  #eventsAfter(after: number, limit: number): SessionEvent[] {
    if (limit <= after) return [];
    const from = this.#recent.findIndex((e) => e.seq > after);
    if (from >= 0 && this.#recent[from]!.seq === after + 1) return this.#recent.slice(from, from + (limit - after)).filter((e) => e.seq <= limit);
    return store.readEvents(this.sql, after, limit - after);
  }
}
