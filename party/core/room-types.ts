/**
 * The SessionRoom's state, inputs and effects: the shapes `step()` (room.ts) works on, shared by its
 * helpers (draft.ts, agent-event.ts, parking, routing, rule verdicts) and by the Durable Object that
 * persists and performs the effects. Types and constants only, plus the public view of an approval.
 */
import type { AgentEnvelope, ApprovalAnswer, LaunchOrder, RoomToAgentFrame } from "../../worker/protocol/agent";
import type { Approval, ApprovalRouting, DecisionBody } from "../../worker/protocol/approval";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { EventBody } from "../../worker/protocol/events";
import type { MachineDenyRules, RuleVerdict } from "../../worker/protocol/rules";
import type { AgentId, ApprovalId, SessionId, WorkspaceId } from "../../worker/protocol/ids";
import type { LaunchSpec, SessionStatus } from "../../worker/protocol/session";
import type { CreateInput, MachinePolicy, SessionOrigin } from "../../worker/protocol/room-rpc";
import type { DecisionProof } from "../../worker/protocol/signed-decision";
import type { ParkedOn } from "./parking";
import type { Tally } from "./tally";

export type { CreateInput, SessionOrigin };

/** An approval as the room keeps it; its public `parked` flag is derived from where the call is parked. */
export interface ApprovalRecord extends Omit<Approval, "parked"> {
  /** The id Claude Code gave the permission request; the agent answers by it. */
  requestId: string;
  runId: string;
  /**
   * The edit a person approved, as written, for the agent only (a resync re-sends it); `updatedInput`
   * is its scrubbed copy. Never shown, mirrored or indexed; dropped when the session stops needing its agent.
   */
  agentInput?: Approval["updatedInput"];
  /**
   * The sha256 of the approved edit as written (null: approved as asked), so an identical repeat is told
   * from a conflicting edit even after the clear copy is dropped.
   */
  editSha256?: string | null;
  /** Set while the call is parked in Claude's transcript: an answer resumes the session instead (parking.ts). */
  parked?: ParkedOn;
  /** Claude Code's flags on the ask: a person must answer it (no rule may allow it); no "always allow" offer. */
  requiresUserInteraction?: boolean;
  suppressAlwaysAllowRule?: boolean;
  /** The signed decision (with the approver's enrolment and the revocations) the agent verifies; resent on resync. */
  proof?: DecisionProof;
}

export interface SessionFacts {
  id: SessionId;
  workspaceId: WorkspaceId;
  agentId: AgentId;
  agentName: string;
  ownerId: string;
  parentSessionId: SessionId | null;
  title: string;
  spec: LaunchSpec;
  status: SessionStatus;
  statusReason: string;
  archived: boolean;
  claudeSessionId: string | null;
  runId: string;
  tally: Tally;
  result: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  origin?: SessionOrigin;
  /** Who asked to interrupt the current run, so its end can name them. */
  interruptedBy?: string | null;
  /** The machine owner's deny policy, judged before the workspace's rules (party/room-rules.ts). */
  machineDenyRules?: MachineDenyRules | null;
  /** The machine's owner requires signed decisions: an unsigned approve is refused, a rule's allow becomes an ask. */
  requireSignedDecisions?: boolean;
}

export interface RoomState {
  session: SessionFacts | null;
  approvals: Record<string, ApprovalRecord>;
  agentConnected: boolean;
}

export const EMPTY_ROOM: RoomState = { session: null, approvals: {}, agentConnected: false };

export type RoomTimer =
  | { kind: "approval-expiry"; approvalId: ApprovalId }
  /** A routed call's clocks (party/core/routing.ts). */
  | { kind: "approval-escalate" | "approval-deadline"; approvalId: string }
  /** A call waited long enough to park its run (party/core/parking.ts). */
  | { kind: "approval-park"; approvalId: ApprovalId }
  | { kind: "agent-lost" };

export type Effect =
  | { type: "emit"; body: EventBody }
  /** `ruled`: a rule decided this decision frame; the room seals the verdict onto it (party/rule-seal.ts). */
  | { type: "send-agent"; frame: RoomToAgentFrame; ruled?: { verdict: RuleVerdict; inputSha256: string } }
  /** `keep`: an armed deadline stands (the agent-lost clock runs from the first loss, not the latest wake). */
  | { type: "schedule"; key: string; at: number; timer: RoomTimer; keep?: boolean }
  | { type: "unschedule"; key: string }
  | { type: "save-approval"; approval: ApprovalRecord }
  | { type: "launch"; order: LaunchOrder }
  | { type: "cancel-launch"; runId: string };

export type RoomInput =
  | { type: "create"; session: CreateInput }
  /**
   * `verdict`: the rules' answer to an approval request, when the room holds them as current (decided in this
   * same step). `applied`: the verdict is the one the agent already applied (its seal checked by the room), to be
   * recorded as it is, never judged again.
   */
  | { type: "agent-event"; envelope: AgentEnvelope; inputSha256?: string; verdict?: RuleVerdict | null; applied?: boolean }
  /** `editSha256`: the hash of an approve's `updatedInput` (computed by the room; absent without one). */
  | { type: "decide"; approvalId: string; body: DecisionBody; by: string; editSha256?: string; userId?: string | null; proof?: DecisionProof }
  /** The machine refused a decision it could not verify: the approval waits again (party/core/signed.ts). */
  | { type: "decision-refused"; requestId: string; reason: string }
  /** The workspace's rules decided a pending approval (the room evaluates them right after the request). */
  | { type: "rule-verdict"; approvalId: string; verdict: RuleVerdict; routing?: ApprovalRouting }
  | { type: "interrupt"; by: string }
  | { type: "continue"; prompt: string; runId: string; by: string }
  | { type: "patch"; title?: string; archived?: boolean }
  | { type: "handoff"; ownerId: string; by: string }
  | ({ type: "machine-policy" } & MachinePolicy)
  | { type: "agent-connected" }
  | { type: "agent-disconnected" }
  | { type: "resync"; waiting: string[] }
  | { type: "timer"; timer: RoomTimer };

export interface StepContext {
  now: number;
  newApprovalId: () => ApprovalId;
  approvalTimeoutMs: number;
  agentGraceMs: number;
  /** After this wait a call's run is parked (absent: never). */
  parkAfterMs?: number;
}

export type StepResult = { ok: true; state: RoomState; effects: Effect[]; approval?: ApprovalRecord } | { ok: false; code: ErrorCode; message: string };

export const AGENT_LOST_KEY = "agent-lost";
export const approvalKey = (id: string) => `approval:${id}`;

export const EXPIRED_MESSAGE =
  "No one approved this tool call in time, so it was denied. Stop here: do not retry it or try another way; end your turn and wait for the user.";

export function fail(code: ErrorCode, message: string): StepResult {
  return { ok: false, code, message };
}

/** An approval as people and clients see it: no request, run or clear edit; `parked` while parked and pending. */
export function toPublicApproval(rec: ApprovalRecord): Approval {
  const { requestId: _r, runId: _run, agentInput: _clear, editSha256: _edit, proof: _proof, parked, ...approval } = rec;
  return parked && approval.status === "pending" ? { ...approval, parked: true } : approval;
}

/** The decision frame for a resolved approval, with the signed proof a person's decision carried. */
export function decisionFrame(rec: ApprovalRecord, answer: ApprovalAnswer): RoomToAgentFrame {
  return { type: "decision", requestId: rec.requestId, answer, ...(rec.proof ? { proof: rec.proof } : {}) };
}
