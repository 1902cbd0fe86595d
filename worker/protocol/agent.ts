/**
 * The local agent's wire protocol: the events it journals and relays for a session run, the
 * control frames of its machine channel (AgentLink), and the outcome of a run. Every event carries
 * an id chosen by the agent, so a resend after a reconnect or a restart is stored once, and its
 * place in the run (`runId`, `seq`), so the room stores a run's events in the order they happened.
 */
import { z } from "zod";
import { JsonValue } from "./json";
import { AgentId, SessionId } from "./ids";
import { LaunchSpec } from "./session";
import { ToolInput } from "./approval";
import { DecisionProof } from "./signed-decision";
import { RuleVerdict } from "./rules";

export const RunOutcome = z.object({
  kind: z.enum(["success", "max_turns", "interrupted", "error"]),
  claudeSessionId: z.string().optional(),
  result: z.string().optional(),
  error: z.string().optional(),
  costUsd: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheCreationTokens: z.number().int().nonnegative(),
  numTurns: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type RunOutcome = z.infer<typeof RunOutcome>;

/** The outcome of a run that never got to spend anything (refused, cancelled before a slot, lost). */
export function unranOutcome(kind: "interrupted" | "error", error: string): RunOutcome {
  return { kind, error, costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 0, durationMs: 0 };
}

export const ApprovalAnswer = z.discriminatedUnion("behavior", [
  z.object({ behavior: z.literal("allow"), updatedInput: ToolInput.optional() }),
  z.object({ behavior: z.literal("deny"), message: z.string(), interrupt: z.boolean().optional() }),
]);
export type ApprovalAnswer = z.infer<typeof ApprovalAnswer>;

/**
 * A rule's decision as the room sent it, sealed by the room (an HMAC over the session, the request, the
 * input's sha256 and the verdict). The room answers a rule-decided call before its record of it is
 * durable; the agent journals the stamp of the decision it applied and resends it with the request, so
 * the room records exactly that decision after a crash in between (party/rule-seal.ts).
 */
export const RuleStamp = z.object({ verdict: RuleVerdict, seal: z.string().regex(/^[0-9a-f]{64}$/) });
export type RuleStamp = z.infer<typeof RuleStamp>;

/** A call parked in Claude's transcript (agent/park.ts): what a resumed run needs to answer exactly it. */
export const ParkedCall = z.object({
  claudeSessionId: z.string().min(1).max(200),
  toolUseId: z.string().min(1).max(200),
  toolName: z.string().min(1).max(200),
  input: ToolInput,
  inputSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ParkedCall = z.infer<typeof ParkedCall>;

/** One thing that happened in a run, as the agent reports it. */
export const AgentEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run-started"), runId: z.string().min(1).max(100) }),
  /** The machine took the run but all its `--capacity` slots are busy: it starts when one frees. */
  z.object({
    type: z.literal("run-waiting"),
    runId: z.string().min(1).max(100),
    capacity: z.number().int().min(1).max(256),
    position: z.number().int().min(1).max(100_000),
  }),
  /** A message from the SDK, untouched: unknown types pass through. */
  z.object({ type: z.literal("sdk-message"), message: z.record(z.string(), JsonValue) }),
  z.object({
    type: z.literal("approval-request"),
    requestId: z.string().min(1).max(200),
    toolName: z.string().min(1).max(200),
    toolUseId: z.string().max(200).optional(),
    input: ToolInput,
    title: z.string().max(2000).optional(),
    description: z.string().max(2000).optional(),
    /** Claude Code says a person must answer this ask themselves: no rule may allow it. */
    requiresUserInteraction: z.boolean().optional(),
    /** Claude Code says no "always allow" may be offered for this ask. */
    suppressAlwaysAllowRule: z.boolean().optional(),
    /** On a resend: the rule's decision the agent already applied to this call; the room records it as is. */
    applied: RuleStamp.optional(),
  }),
  /** Claude Code withdrew the request (interrupt, or the run is ending). */
  /** `reason` says why when the agent withdraws it (e.g. it is stopping); without it Claude Code withdrew it. */
  z.object({ type: z.literal("approval-withdrawn"), requestId: z.string().min(1).max(200), reason: z.string().min(1).max(500).optional() }),
  z.object({ type: z.literal("run-ended"), runId: z.string().min(1).max(100), outcome: RunOutcome }),
  /**
   * The run was parked while `requestId` waited for a person: Claude Code ended with that call deferred in its
   * transcript on this machine, and a run resumed with the decision (LaunchOrder.parked) answers it.
   */
  z.object({
    type: z.literal("run-parked"),
    runId: z.string().min(1).max(100),
    requestId: z.string().min(1).max(200),
    call: ParkedCall,
  }),
  /**
   * This machine refused the decision a parked call was resumed with (it requires signed decisions and could
   * not verify it): the resumed run answered the call `toolUseId` with a deny, so nothing ran, and Tower
   * records the approval as denied by it. Journalled in the resumed run, so Tower hears it even across a drop.
   */
  z.object({
    type: z.literal("parked-decision-refused"),
    toolUseId: z.string().min(1).max(200),
    reason: z.string().min(1).max(500),
  }),
  /**
   * A dead letter, in the place of an event that could not be delivered: too large for a frame (the
   * agent), or refused by the room's validation (the room). `requestId` names a dropped approval
   * request, so the room can deny it rather than leave Claude Code waiting.
   */
  z.object({
    type: z.literal("event-dropped"),
    eventType: z.string().max(100),
    size: z.number().int().nonnegative(),
    reason: z.string().max(2000),
    requestId: z.string().min(1).max(200).optional(),
  }),
]);
export type AgentEvent = z.infer<typeof AgentEvent>;

/**
 * The largest agent → room frame, in UTF-8 bytes. Cloudflare closes a socket that receives a message
 * over 1 MiB; the room refuses anything over this (locally too), and the agent batches under it.
 */
export const MAX_AGENT_FRAME_BYTES = 1_000_000;
/** The most events one `agent-events` frame carries. */
export const MAX_EVENTS_PER_FRAME = 500;

const EnvelopeId = z.string().min(1).max(100);
const RunKey = z.string().min(1).max(100);
/** The agent numbers a run's events 1, 2, 3… from its journal; the room stores each run in that order. */
const RunSeq = z.number().int().positive();

export const AgentEnvelope = z
  .object({ id: EnvelopeId, at: z.number().int().nonnegative(), runId: RunKey.optional(), seq: RunSeq.optional(), event: AgentEvent })
  .refine((e) => (e.runId === undefined) === (e.seq === undefined), { message: "runId and seq go together", path: ["seq"] });
export type AgentEnvelope = z.infer<typeof AgentEnvelope>;

/** What the room can still read of an envelope it refuses: enough to acknowledge it and keep its place. */
export const EnvelopeHead = z.object({
  id: EnvelopeId,
  at: z.number().int().nonnegative().catch(0),
  runId: RunKey.optional(),
  seq: RunSeq.optional(),
  event: z.object({ type: z.string().max(100).catch("unknown"), requestId: z.string().min(1).max(200).optional().catch(undefined) }).catch({ type: "unknown" }),
});
export type EnvelopeHead = z.infer<typeof EnvelopeHead>;

/** The dead letter that takes an undeliverable event's place (same id, same place in its run). */
export function deadLetter(head: EnvelopeHead, size: number, reason: string): AgentEnvelope {
  const { requestId } = head.event;
  return {
    id: head.id,
    at: head.at,
    ...(head.runId !== undefined && head.seq !== undefined ? { runId: head.runId, seq: head.seq } : {}),
    event: { type: "event-dropped", eventType: head.event.type, size, reason: reason.slice(0, 2000), ...(requestId ? { requestId } : {}) },
  };
}

/** The most text of one block the agent streams live; past it, viewers wait for the final message. */
export const MAX_LIVE_TEXT = 100_000;

/**
 * Text Claude is writing, as it writes it: `text` continues the block at `from` (the length streamed
 * before). Ephemeral: never journalled, stored or replayed; the final `assistant` message is the record.
 */
export const TextDelta = z.object({
  type: z.literal("text-delta"),
  /** The API message id (the final `assistant` message carries the same `message.id`). */
  messageId: z.string().min(1).max(200),
  /** The content block within that message. */
  index: z.number().int().min(0).max(10_000),
  from: z.number().int().min(0).max(MAX_LIVE_TEXT),
  text: z.string().min(1).max(MAX_LIVE_TEXT),
});
export type TextDelta = z.infer<typeof TextDelta>;

/** Sent after (re)connecting: the approval requests this run still awaits an answer for. */
const Resync = z.object({ type: z.literal("resync"), runId: z.string().nullable(), waiting: z.array(z.string()).max(1000) });

/**
 * The machine refused a decision it could not verify (it requires signed decisions): nothing ran, the call
 * still waits, and the room reopens the approval with `reason` so a person can decide again, signed.
 */
const DecisionRefused = z.object({ type: z.literal("decision-refused"), requestId: z.string().min(1).max(200), reason: z.string().min(1).max(500) });

/** Agent → SessionRoom frames on the agent's per-session socket. */
export const AgentToRoomFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("agent-events"), events: z.array(AgentEnvelope).min(1).max(MAX_EVENTS_PER_FRAME) }),
  Resync,
  TextDelta,
  DecisionRefused,
]);
export type AgentToRoomFrame = z.infer<typeof AgentToRoomFrame>;

/**
 * The same frames as the room first reads them: each event is checked on its own (`AgentEnvelope`),
 * so one refused event is dead-lettered in its place instead of the whole frame being refused and
 * resent for ever.
 */
export const AgentToRoomWire = z.discriminatedUnion("type", [
  z.object({ type: z.literal("agent-events"), events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_FRAME) }),
  Resync,
  TextDelta,
  DecisionRefused,
]);
export type AgentToRoomWire = z.infer<typeof AgentToRoomWire>;

/** SessionRoom → agent frames. */
export const RoomToAgentFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ack"), ids: z.array(z.string()) }),
  /** `proof`: the signed decision with what the machine needs to check it (a machine that requires one verifies it). */
  /** `rule`: set when a rule decided; the agent journals it before applying the answer (see RuleStamp). */
  z.object({ type: z.literal("decision"), requestId: z.string(), answer: ApprovalAnswer, proof: DecisionProof.optional(), rule: RuleStamp.optional() }),
  z.object({ type: z.literal("interrupt") }),
  /** The call has waited long enough: park the run (agent/park.ts); a run that cannot be parked goes on. */
  z.object({ type: z.literal("park"), requestId: z.string() }),
  z.object({ type: z.literal("error"), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type RoomToAgentFrame = z.infer<typeof RoomToAgentFrame>;

export const MachineInfo = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, dot, dash or underscore"),
  hostname: z.string().max(255),
  labels: z.array(z.string().min(1).max(100)).max(50).default([]),
  capacity: z.number().int().min(1).max(256).default(4),
  versions: z.record(z.string(), z.string().max(100)).default({}),
});
export type MachineInfo = z.infer<typeof MachineInfo>;

/** What the AgentLink hands the agent: a run to start (a new session, or a continue of one). */
export const LaunchOrder = z.object({
  sessionId: SessionId,
  runId: z.string(),
  spec: LaunchSpec,
  resume: z.string().optional(),
  fork: z.boolean().optional(),
  /** With resume: the decision on the call the session parked, applied to exactly that call (agent/park.ts). */
  parked: z
    .object({
      toolUseId: z.string().min(1).max(200),
      inputSha256: z.string().regex(/^[0-9a-f]{64}$/),
      answer: ApprovalAnswer,
      /** The signed decision, for a machine that requires one (it verifies it before resuming). */
      proof: DecisionProof.optional(),
    })
    .optional(),
});
export type LaunchOrder = z.infer<typeof LaunchOrder>;

/** Agent → AgentLink frames on the machine channel. */
export const AgentToLinkFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), machine: MachineInfo, running: z.array(SessionId).max(256) }),
  z.object({ type: z.literal("launch-ack"), runId: z.string() }),
  z.object({ type: z.literal("ping") }),
]);
export type AgentToLinkFrame = z.infer<typeof AgentToLinkFrame>;

/** AgentLink → agent frames. */
export const LinkToAgentFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), agentId: AgentId, name: z.string() }),
  z.object({ type: z.literal("launch"), order: LaunchOrder }),
  /** The session was stopped before the room saw the run start: the agent must not run it, or must kill it. */
  z.object({ type: z.literal("cancel"), runId: z.string() }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type LinkToAgentFrame = z.infer<typeof LinkToAgentFrame>;
