/**
 * Serialises writes to an outside store (D1, another Durable Object) without blocking the room:
 * at most one write is in flight, and while it runs only the newest pending value is kept, so a
 * burst of changes costs two writes, in order, and the last value always lands.
 */
export class WriteBehind<T> {
  #inFlight: Promise<void> | null = null;
  #next: { value: T } | null = null;

  constructor(
    private readonly write: (value: T) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(value: T): Promise<void> {
    this.#next = { value };
    if (!this.#inFlight) this.#inFlight = this.#drain();
    return this.#inFlight;
  }

  /** Resolves once everything pushed so far is written. */
  settled(): Promise<void> {
    return this.#inFlight ?? Promise.resolve();
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
  }
}
