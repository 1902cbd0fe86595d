/**
 * The SessionRoom's intake of an agent's `agent-events` frames. Each event is checked on its own:
 * one the room's validation refuses is dead-lettered in its place (stored as `event-dropped` with the
 * reason, and acknowledged), so it is never resent for ever; a run's events are stored only in the
 * order the agent numbered them (`admit`), whatever the socket did; a resend is acknowledged once more.
 */
import { AgentEnvelope, deadLetter, EnvelopeHead, MAX_AGENT_FRAME_BYTES } from "../worker/protocol/agent";
import { admit } from "./core/agent-order";

export interface Intake {
  /** Ids to acknowledge: stored now, stored before, or dead-lettered. */
  ack: string[];
  /** Why an event could not even be read (no id): it is neither stored nor acknowledged. */
  unreadable: string[];
}

/** Events the room consumed whose write it still holds (held-write.ts): storage does not know them yet. */
export interface Unwritten {
  wasIngested(id: string): boolean;
  lastSeq(runId: string): number;
}

/** What the room has stored: each run's last agent number, and a lookup by id. */
export interface Stored {
  lastAgentSeq(runId: string): number;
  wasIngested(id: string): boolean;
}

/**
 * Feeds a frame's events to `apply` (the room's step, which persists the event with its id and
 * place in the same transaction) in the agent's order.
 */
export function ingestEvents(stored: Stored, events: unknown[], apply: (envelope: AgentEnvelope) => void, held?: Unwritten): Intake {
  const intake: Intake = { ack: [], unreadable: [] };
  for (const [i, raw] of events.entries()) {
    const envelope = readEnvelope(raw);
    if (typeof envelope === "string") {
      intake.unreadable.push(`event ${i}: ${envelope}`);
      continue;
    }
    if (envelope.runId !== undefined && envelope.seq !== undefined) {
      // A number past its run's last was never stored: no lookup by id (one query an event) is needed.
      const admission = admit(Math.max(stored.lastAgentSeq(envelope.runId), held?.lastSeq(envelope.runId) ?? 0), envelope.seq);
      if (admission === "early") continue; // the agent resends it after the events before it
      if (admission === "duplicate") {
        intake.ack.push(envelope.id);
        continue;
      }
    } else if (held?.wasIngested(envelope.id) || stored.wasIngested(envelope.id)) {
      intake.ack.push(envelope.id);
      continue;
    }
    apply(envelope);
    intake.ack.push(envelope.id);
  }
  return intake;
}

/** The envelope, its dead letter if the room refuses it, or why it has no id to acknowledge. */
function readEnvelope(raw: unknown): AgentEnvelope | string {
  const full = AgentEnvelope.safeParse(raw);
  if (full.success) return full.data;
  const issue = full.error.issues[0];
  const why = issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid";
  const head = EnvelopeHead.safeParse(raw);
  if (!head.success) return `not an agent event (${why})`;
  const size = utf8Bytes(JSON.stringify(raw));
  return deadLetter(head.data, size, `Tower refused this ${head.data.event.type} event (${why}), so it was dropped`);
}

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Why a frame is too large to take, or null. UTF-8 needs at least one byte per UTF-16 unit, at most three. */
export function oversize(raw: string): string | null {
  if (raw.length * 3 <= MAX_AGENT_FRAME_BYTES) return null;
  const bytes = utf8Bytes(raw);
  if (bytes <= MAX_AGENT_FRAME_BYTES) return null;
  return `a frame of ${bytes} bytes is over Tower's limit of ${MAX_AGENT_FRAME_BYTES} bytes; update the agent (it batches events under the limit)`;
}
