/**
 * The SessionRoom's live text: what Claude is writing right now, block by block, turned from the
 * agent's raw `text-delta`s into the scrubbed `live-text` frames viewers see. Held in memory only
 * (never stored or replayed: the final `assistant` message is the record, and a room that lost this
 * state just streams nothing more of that block). Scrubbing goes through `scrubPartial`, so a secret
 * split across deltas is never shown, not even its start. A delta that arrives ahead of one sent before it
 * (the room has been seen to get one socket's frames out of order under load) waits for the gap to fill.
 */
import { scrubPartial } from "../../worker/domain/scrub";
import type { TextDelta } from "../../worker/protocol/agent";
import type { LiveText } from "../../worker/protocol/frames";

/** Blocks streamed at once; past this the oldest is dropped (its final message still lands). */
const MAX_STREAMS = 16;
/** Deltas of a block held until the ones before them arrive; past this the gap is taken as lost, and the block with it. */
const MAX_EARLY = 8;

interface Stream {
  messageId: string;
  /** Everything the agent sent of the block, as it sent it. */
  raw: string;
  /** What viewers were sent: scrubbed, and safe to show before the rest is known. */
  shown: string;
  /** Deltas that came ahead of one before them, by where they start. */
  early: Map<number, string>;
}

export class LiveTextStreams {
  readonly #streams = new Map<string, Stream>();

  /** The frame viewers get for one delta, or null (nothing new to show, or a stream this room lost). */
  take(delta: TextDelta): LiveText | null {
    const key = `${delta.messageId}\u0000${delta.index}`;
    const held = this.#streams.get(key);
    // A block's start begins it afresh, keeping only what came ahead of it.
    const known = delta.from === 0 ? { messageId: delta.messageId, raw: "", shown: "", early: held?.raw === "" ? held.early : new Map() } : held;
    if (delta.from > (known?.raw.length ?? 0)) return this.#early(key, known, delta);
    if (!known || known.raw.length !== delta.from) {
      this.#streams.delete(key);
      return null;
    }
    let raw = known.raw + delta.text;
    for (let next = known.early.get(raw.length); next !== undefined; next = known.early.get(raw.length)) {
      known.early.delete(raw.length);
      raw += next;
    }
    const visible = scrubPartial(raw);
    const from = commonPrefix(known.shown, visible);
    this.#keep(key, { messageId: delta.messageId, raw, shown: visible, early: known.early });
    if (visible === known.shown) return null;
    return { type: "live-text", messageId: delta.messageId, index: delta.index, from, text: visible.slice(from) };
  }

  /** Holds a delta that starts past what the block has so far; too many such, and the block is dropped. */
  #early(key: string, known: Stream | undefined, delta: TextDelta): null {
    const stream = known ?? { messageId: delta.messageId, raw: "", shown: "", early: new Map<number, string>() };
    if (stream.early.size >= MAX_EARLY) {
      this.#streams.delete(key);
      return null;
    }
    stream.early.set(delta.from, delta.text);
    if (!known) this.#keep(key, stream);
    return null;
  }

  /** Puts `stream` last (the map's order is oldest first), dropping the oldest past MAX_STREAMS. */
  #keep(key: string, stream: Stream): void {
    this.#streams.delete(key);
    this.#streams.set(key, stream);
    for (const old of this.#streams.keys()) {
      if (this.#streams.size <= MAX_STREAMS) break;
      this.#streams.delete(old);
    }
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
