/**
 * The machine's `--capacity`: at most that many runs hold a Claude Code process at once; the others wait
 * here, first come first served, and start as slots free. Pure (no timers, no I/O) so the admission
 * rules are tested in Node; the agent reports a waiting run to its session so the wait is visible.
 */
export interface Admission {
  start: boolean;
  /** While waiting: 1-based place in this machine's line. */
  position?: number;
}

export class CapacityQueue<T> {
  readonly #running = new Set<string>();
  readonly #waiting: { id: string; item: T }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number ≥ 1, not ${capacity}`);
  }

  get running(): number {
    return this.#running.size;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Takes a run: it starts now if a slot is free, else it waits in line. */
  admit(id: string, item: T): Admission {
    if (this.#running.has(id) || this.#waiting.some((w) => w.id === id)) throw new Error(`run ${id} was admitted twice`);
    if (this.#running.size < this.capacity) {
      this.#running.add(id);
      return { start: true };
    }
    this.#waiting.push({ id, item });
    return { start: false, position: this.#waiting.length };
  }

  /** A running run is over: frees its slot and returns the waiting runs that now start (in order). */
  release(id: string): { id: string; item: T }[] {
    if (!this.#running.delete(id)) return [];
    const started: { id: string; item: T }[] = [];
    while (this.#running.size < this.capacity && this.#waiting.length > 0) {
      const next = this.#waiting.shift()!;
      this.#running.add(next.id);
      started.push(next);
    }
    return started;
  }

  /** Takes a waiting run out of line (it was cancelled); undefined if it is not waiting. */
  withdraw(id: string): T | undefined {
    const i = this.#waiting.findIndex((w) => w.id === id);
    if (i < 0) return undefined;
    return this.#waiting.splice(i, 1)[0]!.item;
  }

  /** Empties the line (the agent is stopping); the running runs keep their slots until they end. */
  drain(): { id: string; item: T }[] {
    return this.#waiting.splice(0);
  }
}
