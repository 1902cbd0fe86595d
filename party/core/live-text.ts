/**
 * The SessionRoom's live text: what Claude is writing right now, block by block, turned from the
 * agent's raw `text-delta`s into the scrubbed `live-text` frames viewers see. Held in memory only
 * (never stored or replayed: the final `assistant` message is the record, and a room that lost this
 * state just streams nothing more of that block). Scrubbing goes through `scrubPartial`, so a secret
 * split across deltas is never shown, not even its start.
 */
import { scrubPartial } from "../../worker/domain/scrub";
import type { TextDelta } from "../../worker/protocol/agent";
import type { LiveText } from "../../worker/protocol/frames";

/** Blocks streamed at once; past this the oldest is dropped (its final message still lands). */
const MAX_STREAMS = 16;

interface Stream {
  messageId: string;
  /** Everything the agent sent of the block, as it sent it. */
  raw: string;
  /** What viewers were sent: scrubbed, and safe to show before the rest is known. */
  shown: string;
}

export class LiveTextStreams {
  readonly #streams = new Map<string, Stream>();

  /** The frame viewers get for one delta, or null (nothing new to show, or a stream this room lost). */
  take(delta: TextDelta): LiveText | null {
    const key = `${delta.messageId}\u0000${delta.index}`;
    const known = delta.from === 0 ? { messageId: delta.messageId, raw: "", shown: "" } : this.#streams.get(key);
    if (!known || known.raw.length !== delta.from) {
      this.#streams.delete(key);
      return null;
    }
    const raw = known.raw + delta.text;
    const visible = scrubPartial(raw);
    const from = commonPrefix(known.shown, visible);
    this.#streams.delete(key); // re-inserted last: the map's order is oldest first
    this.#streams.set(key, { messageId: delta.messageId, raw, shown: visible });
    for (const old of this.#streams.keys()) {
      if (this.#streams.size <= MAX_STREAMS) break;
      this.#streams.delete(old);
    }
    if (visible === known.shown) return null;
    return { type: "live-text", messageId: delta.messageId, index: delta.index, from, text: visible.slice(from) };
  }

  /**
   * A final copy of the message is stored (Claude Code sends one per block, as each block ends): its
   * blocks so far are done. The agent sends nothing of a block after its final copy, and a later
   * block of the same message starts afresh at `from` 0.
   */
  finish(messageId: string): void {
    for (const [key, s] of this.#streams) if (s.messageId === messageId) this.#streams.delete(key);
  }

  /** The run ended: nothing it wrote is still being written. */
  clear(): void {
    this.#streams.clear();
  }
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
