/**
 * Approver routing inside the room step: who may decide a call a rule routed (`decide_by`) and a
 * quorum of distinct approvers. One check for the socket and HTTP alike, on the eligible people the
 * approval carries (resolved when the call started waiting), so no decision reads D1.
 */
import type { ApprovalRouting, DecisionBody } from "../../worker/protocol/approval";
import type { ApprovalRecord, Draft, StepResult } from "./room";

/** Who may decide, in a sentence for a refusal. */
export function whoMayDecide(r: ApprovalRouting, launcher: string): string {
  const quorum = r.quorum > 1 ? `; ${r.quorum} distinct approvals are needed, and the session's launcher (${launcher}) does not count toward them` : "";
  return `only ${r.label} may decide this call (routed by ${r.rule})${quorum}`;
}

/**
 * A routed decision's outcome before it resolves the approval: a refusal (not eligible, the launcher
 * toward a quorum, the same approver twice), a partial approval that keeps the call waiting, or
 * null: the decision resolves the approval as usual (a deny, or the approval that meets the quorum).
 */
export function routedDecision(d: Draft, rec: ApprovalRecord, body: DecisionBody, by: string, userId: string | null): StepResult | null {
  const r = rec.routing;
  if (!r) return null;
  const launcher = d.session.ownerId;
  const refuse = (why: string): StepResult => ({ ok: false, code: "FORBIDDEN", message: `${why}: ${whoMayDecide(r, launcher)}.` });
  if (r.eligible && !(userId && r.eligible.includes(userId))) return refuse(`${by} may not decide approval ${rec.id}`);
  if (body.decision === "deny" || r.quorum <= 1) return null;
  if (userId === launcher) return refuse(`${by} launched this session, so their approval does not count toward its quorum`);
  if (!userId) return refuse(`${by} is not a person, so cannot count toward a quorum`);
  if (r.approvals.some((a) => a.userId === userId)) {
    return {
      ok: false,
      code: "CONFLICT",
      message: `${by} already approved ${rec.id}; it waits for ${r.quorum - r.approvals.length} more distinct approver(s).`,
    };
  }
  if (body.updatedInput) return refuse("an approval toward a quorum cannot edit the input (each approver must approve the same call)");
  const approvals = [...r.approvals, { userId, by, at: d.ctx.now }];
  if (approvals.length >= r.quorum) return null;
  const next: ApprovalRecord = { ...rec, routing: { ...r, approvals } };
  d.state = { ...d.state, approvals: { ...d.state.approvals, [rec.id]: next } };
  d.effects.push({ type: "save-approval", approval: next });
  d.emit({ type: "approval-partial", approvalId: rec.id, by, approvals: approvals.length, quorum: r.quorum });
  return d.done(next);
}

/** The approvers recorded before the one whose approval met the quorum, for the resolved record. */
export function withFinalApproval(rec: ApprovalRecord, by: string, userId: string | null, at: number): ApprovalRecord {
  const r = rec.routing;
  if (!r || r.quorum <= 1 || !userId) return rec;
  return { ...rec, routing: { ...r, approvals: [...r.approvals, { userId, by, at }] } };
}
