/**
 * Signed decisions in the room step (issue 14 §2). On a machine whose owner requires them, an approve
 * must carry a signed statement (checked before the step by party/session-room.ts, forwarded to the agent),
 * and when the machine still refuses a decision it could not verify, the approval waits again with the
 * reason, so a person can decide with a valid signature. Unsigned denies stand: a deny runs nothing.
 */
import type { DecisionBody } from "../../worker/protocol/approval";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { Draft } from "./draft";
import { approvalKey, toPublicApproval, type ApprovalRecord, type SessionFacts, type StepResult } from "./room-types";

/** Why an approve cannot stand unsigned on this session's machine, or null when it may go on. */
export function unsignedApproval(session: SessionFacts, body: DecisionBody, proof: unknown): { code: ErrorCode; message: string } | null {
  if (!session.requireSignedDecisions || body.decision !== "approve" || proof) return null;
  return {
    code: "FORBIDDEN",
    message:
      `${session.agentName} requires signed decisions, and this approve is not signed. ` +
      "Register a device key (`tower keys add`), have the machine's owner enrol it, then approve with the CLI (`tower approve`), which signs.",
  };
}

/** The agent refused the approve of `requestId`: nothing ran; the approval is pending again, and the session says why. */
export function decisionRefused(d: Draft, requestId: string, reason: string): StepResult {
  const rec = Object.values(d.state.approvals).find((a) => a.requestId === requestId);
  if (rec?.status !== "approved" || rec.parked) return d.done();
  const { agentInput: _clear, editSha256: _edit, proof: _proof, ...kept } = rec;
  const reopened: ApprovalRecord = {
    ...kept,
    status: "pending",
    decidedAt: null,
    decidedBy: null,
    via: null,
    comment: null,
    updatedInput: null,
    ...(rec.routing ? { routing: { ...rec.routing, approvals: [] } } : {}),
  };
  d.state = { ...d.state, approvals: { ...d.state.approvals, [rec.id]: reopened } };
  d.effects.push({ type: "save-approval", approval: reopened });
  d.effects.push({ type: "schedule", key: approvalKey(rec.id), at: reopened.expiresAt, timer: { kind: "approval-expiry", approvalId: rec.id } });
  d.move({ type: "approval-requested" }, `${d.session.agentName} refused the decision on ${rec.toolName} (${reason}); it waits for a signed decision`);
  d.emit({ type: "approval-requested", approval: toPublicApproval(reopened) });
  return d.done(reopened);
}
