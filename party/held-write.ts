/**
 * The one room step whose storage write may wait: a call the rules decide is answered before its record is
 * written, because workerd's output gate holds every frame sent in an event that writes until the write is
 * durable. At most one write is held, and it is made before anything else reads or writes the room's storage
 * (every entry point calls `flush`), so the room's order of writes never changes. What follows the write
 * (acks, viewers' frames) waits for it. A crash in between loses the record, not the decision: the agent
 * journals the sealed decision it applied and resends it (party/rule-seal.ts).
 */
export class HeldWrite {
  #write: (() => void) | null = null;
  #after: (() => void)[] = [];

  /** `onFailure`: the held write threw after its answer left, so memory is ahead of storage. */
  constructor(private readonly onFailure: (e: unknown) => void) {}

  /** Holds `write` until the next entry point or `delayMs`, whichever comes first. */
  hold(write: () => void, delayMs: number): void {
    this.flush();
    this.#write = write;
    setTimeout(() => this.flush(), delayMs);
  }

  /** Runs `fn` once the held write is made (at once when none is held). */
  after(fn: () => void): void {
    if (this.#write) this.#after.push(fn);
    else fn();
  }

  flush(): void {
    const write = this.#write;
    if (!write) return;
    this.#write = null;
    const after = this.#after.splice(0);
    try {
      write();
    } catch (e) {
      this.onFailure(e);
      return;
    }
    for (const fn of after) fn();
  }
}
