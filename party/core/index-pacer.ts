/**
 * How often a SessionRoom hands search indexing to the queue. A job per write-behind flush made the
 * consumer's fixed costs (reading the room, the title's document, the embedder's call) recur for
 * every approval and every few events, and that work competes with live sessions for the isolate;
 * the approval bench's profile showed it. One job per interval covers a whole burst instead.
 */
export class IndexPacer {
  #lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  /** How long to wait before the next job (0: send now). An ended session is indexed at once. */
  waitMs(now: number, ended: boolean): number {
    return ended ? 0 : Math.max(0, this.#lastSentAt + this.intervalMs - now);
  }

  sent(now: number): void {
    this.#lastSentAt = now;
  }
}
