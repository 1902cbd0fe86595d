/**
 * Approvals on the wire: the durable record a tool call waits on, and the decision a human (or a
 * rule, or the clock) makes. A decision is bound to the exact input by its sha256.
 */
import { z } from "zod";
import { JsonValue } from "./json";
import { ApprovalId, SessionId } from "./ids";
import { durationText } from "./approval-text";

export { WHO_MAY_DECIDE, approvalWaitText, approvalWhy, durationText } from "./approval-text";
import { SignedDecision } from "./signed-decision";

export const ApprovalStatus = z.enum(["pending", "approved", "denied", "expired", "cancelled"]);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Who made a decision: a person, an approval rule, the expiry timer, a rule's deadline, or the system (interrupt/end). */
export const DecisionVia = z.enum(["human", "rule", "timeout", "deadline", "system"]);
export type DecisionVia = z.infer<typeof DecisionVia>;

export const ToolInput = z.record(z.string(), JsonValue);
export type ToolInput = z.infer<typeof ToolInput>;

/**
 * Who may decide a call a rule routed (`decide_by`, `quorum`), resolved to people when it started
 * waiting: `eligible` null means whoever may act on the session (its owner, collaborators, admins).
 */
export const ApprovalRouting = z.object({
  decideBy: z.string(),
  /** The rule that routed it: `rule sre-deploys (v3)`. */
  rule: z.string(),
  /** Who may decide, in words: "group sre (ann@x, bob@y)". */
  label: z.string(),
  eligible: z.array(z.string()).nullable(),
  quorum: z.number().int().min(1),
  /** The approvals so far toward the quorum. */
  approvals: z.array(z.object({ userId: z.string(), by: z.string(), at: z.number().int() })),
  /**
   * `escalate`: after `afterMs` of waiting the call goes also to group `to` (its people resolved with the
   * rest, when the call started waiting); `escalatedAt` is set when it did. The first approvers keep the right.
   */
  escalation: z
    .object({
      to: z.string(),
      label: z.string(),
      eligible: z.array(z.string()),
      afterMs: z.number().int().positive(),
      escalatedAt: z.number().int().nullable(),
    })
    .optional(),
  /** `deadline`: after `afterMs` of waiting the call is denied with `message` (what Claude reads). */
  deadline: z.object({ afterMs: z.number().int().positive(), message: z.string() }).optional(),
});
export type ApprovalRouting = z.infer<typeof ApprovalRouting>;

/**
 * The people a routing record names as deciders now: its eligible people, and the escalation's once it
 * has escalated. Being named lets a person see and decide that one call without a share of the session.
 */
export function namedDeciders(r: ApprovalRouting | null | undefined): string[] {
  if (!r) return [];
  return [...(r.eligible ?? []), ...(r.escalation?.escalatedAt != null ? r.escalation.eligible : [])];
}

/** The default message of a call denied at its rule's deadline: Claude reads it. */
export function deadlineMessage(afterMs: number, rule: string): string {
  return `No one decided this tool call within its ${durationText(afterMs)} deadline (set by ${rule}), so it was denied. Do not retry it or try another way; end your turn and wait for the user.`;
}

export const Approval = z.object({
  id: ApprovalId,
  sessionId: SessionId,
  toolName: z.string(),
  toolUseId: z.string().nullable(),
  input: ToolInput,
  inputSha256: z.string(),
  status: ApprovalStatus,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  decidedAt: z.number().int().nullable(),
  decidedBy: z.string().nullable(),
  via: DecisionVia.nullable(),
  comment: z.string().nullable(),
  updatedInput: ToolInput.nullable(),
  /** Set when the session runs a pipeline step, so the inbox can label it "pipeline run · step". */
  pipelineRunId: z.string().nullable().optional(),
  pipelineStepId: z.string().nullable().optional(),
  /** The SDK's flags on the permission request: no rule ever allows such a call, and no card offers "always allow" for it. */
  requiresUserInteraction: z.boolean().optional(),
  suppressAlwaysAllowRule: z.boolean().optional(),
  /** Set when a rule routed the call to certain people or a quorum; absent: the default deciders. */
  routing: ApprovalRouting.nullable().optional(),
  /** The session's title, for an inbox that may hold calls routed from sessions the reader cannot open. */
  sessionTitle: z.string().optional(),
  /** A pending call whose run was parked (its machine is free): deciding it resumes the session from Claude's transcript. */
  parked: z.literal(true).optional(),
});
export type Approval = z.infer<typeof Approval>;

/** A canonical-JSON sha256, as lowercase hex. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 as 64 lowercase hex digits");

/** What a person chose. Deny needs a comment: it is what the model reads. */
const Approve = z.object({
  decision: z.literal("approve"),
  comment: z.string().trim().max(10_000).optional(),
  updatedInput: ToolInput.optional(),
  /**
   * The person confirmed this call in a second, explicit step. Required to approve a call Claude Code
   * marked `requiresUserInteraction` (never one tap: not a keyboard shortcut, not a script's plain approve).
   */
  confirmed: z.literal(true).optional(),
});
const Deny = z.object({
  decision: z.literal("deny"),
  comment: z.string().trim().min(1, "a deny needs a comment: Claude reads it to know what to do instead").max(10_000),
});
export const DecisionChoice = z.discriminatedUnion("decision", [Approve, Deny]);
export type DecisionChoice = z.infer<typeof DecisionChoice>;

/** The status each decision resolves an approval (or a device sign-in) to. */
export const DECIDED_STATUS = { approve: "approved", deny: "denied" } as const satisfies Record<DecisionChoice["decision"], ApprovalStatus>;

/**
 * What a decision writes on the approval it resolves: the room applies it, and the web shows it
 * optimistically before the room answers, so both read the choice the same way.
 */
export function resolutionOf(choice: DecisionChoice): { status: "approved" | "denied"; comment: string | null; updatedInput: ToolInput | null } {
  return {
    status: DECIDED_STATUS[choice.decision],
    comment: choice.comment ? choice.comment : null,
    updatedInput: choice.decision === "approve" ? (choice.updatedInput ?? null) : null,
  };
}

/**
 * A decision as a client sends it: the choice bound to the input the person saw. The client echoes
 * the approval's `inputSha256`; the room refuses it when it is not the hash of the call it holds.
 */
const seen = {
  inputSha256: Sha256Hex,
  /**
   * The decision signed with the person's device key over the canonical statement (signed-decision.ts);
   * required to approve on a machine that requires signed decisions, and then checked by the machine itself.
   */
  signed: SignedDecision.optional(),
};
export const DecisionBody = z.discriminatedUnion("decision", [Approve.extend(seen), Deny.extend(seen)]);
export type DecisionBody = z.infer<typeof DecisionBody>;

export const ApprovalListQuery = z.object({
  session: SessionId.optional(),
  status: z.enum(["pending", "all"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export type ApprovalListQuery = z.infer<typeof ApprovalListQuery>;
