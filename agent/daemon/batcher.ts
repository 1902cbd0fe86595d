/**
 * Packs a session's journalled events into `agent-events` frames by size: each frame stays under the
 * room's frame limit (and event count), whatever the events weigh. An event that could not fit in
 * any frame is replaced by its dead letter (`event-dropped`, same id and place in its run), so the
 * room acknowledges it and the session goes on instead of resending it on every reconnect.
 */
import { Buffer } from "node:buffer";
import { deadLetter, MAX_EVENTS_PER_FRAME, type AgentEnvelope } from "../../worker/protocol/agent";

const HEAD = `{"type":"agent-events","events":[`;
const TAIL = `]}`;

/** The frames, in order, carrying `envelopes` in order; none over `maxBytes` (UTF-8). */
export function toFrames(envelopes: readonly AgentEnvelope[], maxBytes: number): string[] {
  const room = maxBytes - Buffer.byteLength(HEAD) - Buffer.byteLength(TAIL);
  const frames: string[] = [];
  let parts: string[] = [];
  let used = 0;
  for (const envelope of envelopes) {
    let json = JSON.stringify(envelope);
    let size = Buffer.byteLength(json);
    if (size > room) {
      json = JSON.stringify(deadLetterFor(envelope, size, maxBytes));
      size = Buffer.byteLength(json);
    }
    if (parts.length > 0 && (used + 1 + size > room || parts.length === MAX_EVENTS_PER_FRAME)) {
      frames.push(HEAD + parts.join(",") + TAIL);
      parts = [];
      used = 0;
    }
    used += (parts.length > 0 ? 1 : 0) + size;
    parts.push(json);
  }
  if (parts.length > 0) frames.push(HEAD + parts.join(",") + TAIL);
  return frames;
}

function deadLetterFor(envelope: AgentEnvelope, size: number, maxBytes: number): AgentEnvelope {
  const ev = envelope.event;
  const head = { ...envelope, event: { type: ev.type, ...(ev.type === "approval-request" ? { requestId: ev.requestId } : {}) } };
  return deadLetter(head, size, `this ${ev.type} event is ${size} bytes, more than one frame to Tower carries (${maxBytes} bytes)`);
}
