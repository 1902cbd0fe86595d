/**
 * The session event log as viewers see it. The SessionRoom gives every event the next sequence
 * number; a client that remembers the last seq it saw can resume from there and misses nothing.
 */
import { z } from "zod";
import { JsonValue } from "./json";
import { Approval, ApprovalRouting, ApprovalStatus, DecisionVia, ToolInput } from "./approval";
import { RunOutcome } from "./agent";
import { ApprovalId } from "./ids";
import { RuleRef } from "./rules";
import { LaunchSpec, SessionStatus } from "./session";

export const EventBody = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("session-created"),
    title: z.string(),
    spec: LaunchSpec,
    /** What a fork's parent had spent: Claude Code counts it in this session's totals, Tower does not. */
    inheritedCostUsd: z.number().nonnegative().optional(),
  }),
  z.object({ type: z.literal("status-changed"), from: SessionStatus.nullable(), to: SessionStatus, reason: z.string() }),
  z.object({ type: z.literal("user-prompt"), prompt: z.string(), by: z.string() }),
  z.object({ type: z.literal("sdk-message"), message: z.record(z.string(), JsonValue) }),
  z.object({ type: z.literal("approval-requested"), approval: Approval }),
  z.object({
    type: z.literal("approval-resolved"),
    approvalId: ApprovalId,
    status: ApprovalStatus,
    via: DecisionVia,
    by: z.string().nullable(),
    comment: z.string().nullable(),
    updatedInput: ToolInput.nullable(),
    /** Set when a rule decided (via "rule"): which rule, of which version of the rule set. */
    rule: RuleRef.optional(),
  }),
  /** A rule named who decides a waiting call (and how many must approve). */
  z.object({ type: z.literal("approval-routed"), approvalId: ApprovalId, routing: ApprovalRouting }),
  /**
   * A rule would have allowed the call, but Claude Code says a person must answer it
   * (`requires_user_interaction`): it waits for a person, and this says which rule and why.
   */
  z.object({ type: z.literal("approval-held"), approvalId: ApprovalId, rule: RuleRef.nullable(), reason: z.string() }),
  /** One approval toward a quorum: the call keeps waiting for the rest. */
  z.object({ type: z.literal("approval-partial"), approvalId: ApprovalId, by: z.string(), approvals: z.number().int(), quorum: z.number().int() }),
  /** A routed call waited past its rule's `escalate.after`: it goes also to the escalation's group. */
  z.object({
    type: z.literal("approval-escalated"),
    approvalId: ApprovalId,
    to: z.string(),
    label: z.string(),
    afterMs: z.number().int(),
    rule: z.string(),
  }),
  z.object({ type: z.literal("interrupt-requested"), by: z.string() }),
  z.object({ type: z.literal("owner-changed"), from: z.string(), to: z.string(), by: z.string() }),
  z.object({ type: z.literal("run-ended"), outcome: RunOutcome }),
  /** An agent event that could not be stored (too large, or refused), in its place, with why. */
  z.object({ type: z.literal("event-dropped"), eventType: z.string(), size: z.number().int(), reason: z.string() }),
]);
export type EventBody = z.infer<typeof EventBody>;

/** Where the room put an event in its log. */
const Placed = z.object({ seq: z.number().int().positive(), at: z.number().int() });
export type SessionEvent = z.infer<typeof Placed> & EventBody;
/**
 * Every kind with its place, one discriminated union, rather than `z.intersection(Placed, EventBody)`: an
 * intersection parses both sides and then deep-merges the results, 4–5× the cost of an event, and every
 * event is parsed again by the search consumer and by every viewer (the consumer's parse was 1.8 s of
 * workerd's CPU, more than the room's own work, in one `npm run bench -- approval fanout`).
 */
export const SessionEvent = z.discriminatedUnion(
  "type",
  // The kinds' own types survive the map only as one union; the cast puts back what the map loses.
  EventBody.options.map((kind) => Placed.extend(kind.shape)) as unknown as [z.ZodObject],
) as unknown as z.ZodType<SessionEvent>;

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

export const EventPage = z.object({ events: z.array(SessionEvent), lastSeq: z.number().int(), hasMore: z.boolean() });
export type EventPage = z.infer<typeof EventPage>;
