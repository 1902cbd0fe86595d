/**
 * The room's side of a call its rules decide, answered before its record is durable: which frame may leave
 * first (the decision a rule gave the request the step consumed), the room's seal on every rule decision
 * (rule-seal.ts), and what a resent request carrying a decision the agent already applied becomes: that very
 * decision, recorded without judging again, or a dead letter when this room did not seal it for that call.
 */
import { deadLetter, type AgentEnvelope, type RoomToAgentFrame } from "../worker/protocol/agent";
import { utf8Bytes } from "./agent-ingest";
import type { Effect, RoomInput } from "./core/room-types";
import { RuleSeal } from "./rule-seal";

export type SendAgent = Extract<Effect, { type: "send-agent" }>;

/** The decision a rule gave the request `input` carries, in the same step: it may leave before the write. */
export function earlyAnswer(effects: Effect[], input: RoomInput): SendAgent | undefined {
  const ev = input.type === "agent-event" ? input.envelope.event : undefined;
  if (ev?.type !== "approval-request") return undefined;
  return effects.find(
    (e): e is SendAgent => e.type === "send-agent" && e.ruled !== undefined && e.frame.type === "decision" && e.frame.requestId === ev.requestId,
  );
}

export class RuleAnswers {
  readonly #seal = new RuleSeal();

  /** IMPORTANT: in onStart, before any input (see RuleSeal.load). */
  load(sql: SqlStorage): void {
    this.#seal.load(sql);
  }

  /** The frame to send the agent: a rule's decision with the room's seal on it. */
  frame(e: SendAgent, sessionId: string | undefined): RoomToAgentFrame {
    if (!e.ruled || e.frame.type !== "decision" || !sessionId) return e.frame;
    return { ...e.frame, rule: this.#seal.stamp(sessionId, e.frame.requestId, e.ruled.inputSha256, e.ruled.verdict) };
  }

  /**
   * The input for a resent request that carries a rule's decision the agent applied, which the room has no
   * record of (it crashed before the record was written): that decision when the room's seal shows it gave it
   * to this very call; otherwise a dead letter with `refused` saying why.
   */
  applied(envelope: AgentEnvelope, sessionId: string, inputSha256: string | undefined): { input: RoomInput; ingested: AgentEnvelope; refused?: string } {
    const ev = envelope.event;
    if (ev.type === "approval-request" && ev.applied && inputSha256 && this.#seal.verify(sessionId, ev.requestId, inputSha256, ev.applied)) {
      return { input: { type: "agent-event", envelope, inputSha256, verdict: ev.applied.verdict, applied: true }, ingested: envelope };
    }
    const refused = "the agent reports a rule's decision this room did not give to this call, so it was not recorded";
    const requestId = ev.type === "approval-request" ? ev.requestId : undefined;
    const head = { id: envelope.id, at: envelope.at, runId: envelope.runId, seq: envelope.seq, event: { type: ev.type, requestId } };
    const dropped = deadLetter(head, utf8Bytes(JSON.stringify(envelope)), `Tower refused this ${ev.type} event (${refused})`);
    return { input: { type: "agent-event", envelope: dropped }, ingested: dropped, refused };
  }
}
