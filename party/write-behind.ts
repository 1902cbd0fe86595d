/**
 * Serialises writes to an outside store (D1, another Durable Object) without blocking the room:
 * changes are coalesced for `delayMs`, at most one write is in flight, and the newest pending value
 * always lands, in order. The delay keeps the write off the hot path of a live interaction (an
 * approval decided within milliseconds should not wait behind a list update); `settled()` skips it.
 * A push may ask for a shorter delay than the one pending (an urgent change after a routine one).
 */
export class WriteBehind<T> {
  #inFlight: Promise<void> | null = null;
  #next: { value: T } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #dueAt = 0;
  #waiting: { resolve: () => void; promise: Promise<void> } | null = null;

  constructor(
    private readonly write: (value: T) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = 0,
  ) {}

  push(value: T, delayMs = this.delayMs): void {
    this.#next = { value };
    if (this.#inFlight) return;
    const dueAt = Date.now() + delayMs;
    if (this.#timer && this.#dueAt <= dueAt) return;
    if (delayMs <= 0) return this.#start();
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => this.#start(), delayMs);
  }

  /** Writes whatever is pending now, and resolves once everything pushed so far is written. */
  settled(): Promise<void> {
    if (this.#timer) this.#start();
    if (!this.#inFlight) return Promise.resolve();
    if (!this.#waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#waiting = { resolve, promise };
    }
    return this.#waiting.promise;
  }

  #start(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#inFlight) this.#inFlight = this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#next) {
      const { value } = this.#next;
      this.#next = null;
      try {
        await this.write(value);
      } catch (e) {
        this.onError(e);
      }
    }
    this.#inFlight = null;
    this.#waiting?.resolve();
    this.#waiting = null;
  }
}
