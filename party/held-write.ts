/**
 * The room's storage writes that may wait: a call the rules decide is answered before its record is written,
 * because workerd's output gate holds every frame sent while a write commits. Such writes are held in memory,
 * in order, and made together (staged in order into one batch, written coalesced in one commit) once the agent pauses (`quietMs` without a held write), at the
 * latest `maxMs` after the first one, as soon as `maxCount` are held (in the step of the last, its answer gone),
 * or at once when any other input needs storage (every entry point but an agent's frame calls `flush`; an
 * agent's frame reads the events held here through `wasIngested` and `lastSeq`), so the room's order of writes
 * never changes. What follows a write (acks, viewers' frames) waits for it. A crash in between loses the
 * records, not the decisions: the agent journals the sealed decision it applied and resends it with the
 * request (party/rule-seal.ts).
 */
import type { AgentEnvelope } from "../worker/protocol/agent";

/** When held writes are made: see the header. */
export interface HoldTiming {
  quietMs: number;
  maxMs: number;
  /**
   * The most writes held at once. A batch's writes run one after another and then commit, and every input
   * meanwhile waits, and every frame meanwhile is held: the call after a large batch waits for all of it.
   */
  maxCount: number;
}

/**
 * A held write in two parts: it stages its rows into the batch `B` (nothing written yet) and returns what
 * follows its commit (frames, acks), run once the whole batch committed.
 */
export type Staged<B> = (batch: B) => () => void;

/** How a batch is made and written (one transaction for all the writes held). */
export interface Batches<B> {
  open(): B;
  commit(batch: B): void;
}

export class HeldWrite<B> {
  #writes: Staged<B>[] = [];
  #after: (() => void)[] = [];
  readonly #ingested = new Map<string, AgentEnvelope>();
  readonly #runSeq = new Map<string, number>();
  #quiet: ReturnType<typeof setTimeout> | undefined;
  #latest: ReturnType<typeof setTimeout> | undefined;

  /** `onFailure`: a held write threw after its answer left, so memory is ahead of storage. */
  constructor(
    private readonly timing: HoldTiming,
    private readonly batches: Batches<B>,
    private readonly onFailure: (e: unknown) => void,
  ) {}

  /** Holds `write` (which consumes `ingested`) until `flush`: see the header for when that is. */
  hold(write: Staged<B>, ingested?: AgentEnvelope): void {
    // A commit holds every answer sent meanwhile: while calls keep coming, one commit for many of them.
    clearTimeout(this.#quiet);
    this.#quiet = setTimeout(() => this.flush(), this.timing.quietMs);
    if (this.#writes.length === 0) this.#latest = setTimeout(() => this.flush(), this.timing.maxMs);
    this.#writes.push(write);
    if (ingested) {
      this.#ingested.set(ingested.id, ingested);
      if (ingested.runId !== undefined && ingested.seq !== undefined) this.#runSeq.set(ingested.runId, Math.max(ingested.seq, this.lastSeq(ingested.runId)));
    }
    // Now, while the next call is still on its way, rather than when a timer fires in the middle of a burst.
    if (this.#writes.length >= this.timing.maxCount) this.flush();
  }

  /** Runs `fn` once the held writes are made (at once when none is held). */
  after(fn: () => void): void {
    if (this.#writes.length) this.#after.push(fn);
    else fn();
  }

  /** True when a held write consumes the agent event `id` (storage does not know it yet). */
  wasIngested(id: string): boolean {
    return this.#ingested.has(id);
  }

  /** The last number of run `runId` a held write consumes (0: none). */
  lastSeq(runId: string): number {
    return this.#runSeq.get(runId) ?? 0;
  }

  flush(): void {
    const writes = this.#writes.splice(0);
    if (writes.length === 0) return;
    clearTimeout(this.#quiet);
    clearTimeout(this.#latest);
    const after = this.#after.splice(0);
    this.#ingested.clear();
    this.#runSeq.clear();
    let follow: (() => void)[];
    try {
      const batch = this.batches.open();
      follow = writes.map((write) => write(batch));
      this.batches.commit(batch);
    } catch (e) {
      this.onFailure(e);
      return;
    }
    for (const fn of follow) fn();
    for (const fn of after) fn();
  }
}
