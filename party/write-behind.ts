/**
 * Serialises writes to an outside store (D1, another Durable Object) without blocking the room:
 * changes are coalesced for `delayMs`, at most one write is in flight, and the newest pending value
 * always lands, in order. The delay keeps the write off the hot path of a live interaction (an
 * approval decided within milliseconds should not wait behind a list update); `settled()` skips it.
 */
export class WriteBehind<T> {
  #inFlight: Promise<void> | null = null;
  #next: { value: T } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #waiting: { resolve: () => void; promise: Promise<void> } | null = null;

  constructor(
    private readonly write: (value: T) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = 0,
  ) {}

  push(value: T): void {
    this.#next = { value };
    if (this.#inFlight || this.#timer) return;
    if (this.delayMs <= 0) this.#start();
    else this.#timer = setTimeout(() => this.#start(), this.delayMs);
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
