/**
 * How a SessionRoom cuts the events it hands to search indexing into queue messages. A job carries
 * its events (so the consumer does not read them back from the room), and a queue message has a size
 * limit: a job stops before its JSON would pass the byte budget or the event cap. An event too large
 * for any message goes alone, without its body, and the consumer reads that one back from the room.
 */
import type { SessionEvent } from "../../worker/protocol/events";

export interface IndexChunk {
  /** The last seq the job covers. */
  upTo: number;
  /** The events to carry, or null: the consumer reads the range back from the room. */
  events: SessionEvent[] | null;
}

/** The next job's chunk of `events` (ascending, all after the cursor), or null when there are none. */
export function nextIndexChunk(events: readonly SessionEvent[], maxEvents: number, maxBytes: number): IndexChunk | null {
  const first = events[0];
  if (!first) return null;
  const encoder = new TextEncoder();
  const carried: SessionEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    if (carried.length >= maxEvents) break;
    const json = JSON.stringify(e);
    // UTF-8 takes at most three bytes per UTF-16 unit: encode only when the cheap bound does not settle it.
    const size = (json.length * 3 <= maxBytes - bytes ? json.length : encoder.encode(json).length) + 1;
    if (bytes + size > maxBytes) break;
    carried.push(e);
    bytes += size;
  }
  if (carried.length === 0) return { upTo: first.seq, events: null };
  return { upTo: carried.at(-1)!.seq, events: carried };
}
