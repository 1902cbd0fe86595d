/**
 * Approver routing inside the room step: who may decide a call a rule routed (`decide_by`), a quorum
 * of distinct approvers, and the rule's clocks (`escalate` adds a group after a while, `deadline`
 * denies). One check for the socket and HTTP alike, on the eligible people the approval carries
 * (resolved when the call started waiting), so no decision and no alarm reads D1.
 */
import { durationText, namedDeciders, type ApprovalRouting, type DecisionBody } from "../../worker/protocol/approval";
import type { ApprovalRecord, Draft, StepResult } from "./room";

const escalateKey = (id: string) => `escalate:${id}`;
const deadlineKey = (id: string) => `deadline:${id}`;

/** Who may decide, in a sentence for a refusal. */
export function whoMayDecide(r: ApprovalRouting, launcher: string): string {
  const quorum = r.quorum > 1 ? `; ${r.quorum} distinct approvals are needed, and the session's launcher (${launcher}) does not count toward them` : "";
  const e = r.escalation;
  const who = !e
    ? `only ${r.label}`
    : e.escalatedAt !== null
      ? `only ${r.label} or, as it escalated, ${e.label}`
      : `only ${r.label} (and ${e.label} once it has waited ${durationText(e.afterMs)})`;
  return `${who} may decide this call (routed by ${r.rule})${quorum}`;
}

/** Arms the routing's clocks, counted from when the call started waiting (an alarm already due fires at once). */
export function armRoutingTimers(d: Draft, rec: ApprovalRecord): void {
  const r = rec.routing;
  const e = r?.escalation;
  if (e && e.escalatedAt === null)
    d.effects.push({ type: "schedule", key: escalateKey(rec.id), at: rec.createdAt + e.afterMs, timer: { kind: "approval-escalate", approvalId: rec.id } });
  if (r?.deadline)
    d.effects.push({
      type: "schedule",
      key: deadlineKey(rec.id),
      at: rec.createdAt + r.deadline.afterMs,
      timer: { kind: "approval-deadline", approvalId: rec.id },
    });
}

/** A resolved approval needs its clocks no more. */
export function disarmRoutingTimers(d: Draft, rec: ApprovalRecord): void {
  if (rec.routing?.escalation) d.effects.push({ type: "unschedule", key: escalateKey(rec.id) });
  if (rec.routing?.deadline) d.effects.push({ type: "unschedule", key: deadlineKey(rec.id) });
}

/**
 * The escalation is due: the call goes also to the escalation's group (the first approvers keep the
 * right, and approvals toward a quorum stand). Its mirror reaches the new approvers' inboxes at once.
 */
export function escalate(d: Draft, approvalId: string): StepResult {
  const rec = d.state.approvals[approvalId];
  const r = rec?.routing;
  const e = r?.escalation;
  if (rec?.status !== "pending" || !r || !e || e.escalatedAt !== null) return d.done();
  const next: ApprovalRecord = { ...rec, routing: { ...r, escalation: { ...e, escalatedAt: d.ctx.now } } };
  d.state = { ...d.state, approvals: { ...d.state.approvals, [rec.id]: next } };
  d.effects.push({ type: "save-approval", approval: next });
  d.emit({ type: "approval-escalated", approvalId: rec.id, to: e.to, label: e.label, afterMs: e.afterMs, rule: r.rule });
  return d.done(next);
}

/** The rule's deadline passed with the call still waiting: it is denied, with the message Claude reads. */
export function deadlinePassed(d: Draft, approvalId: string): StepResult {
  const rec = d.state.approvals[approvalId];
  const deadline = rec?.routing?.deadline;
  if (rec?.status !== "pending" || !rec.routing || !deadline) return d.done();
  const next = d.resolveApproval(rec, "denied", "deadline", rec.routing.rule, deadline.message, null, { behavior: "deny", message: deadline.message });
  d.clearedIfNone(`${rec.toolName} denied: no decision within its ${durationText(deadline.afterMs)} deadline`);
  return d.done(next);
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
  if (r.eligible && !(userId && namedDeciders(r).includes(userId))) return refuse(`${by} may not decide approval ${rec.id}`);
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
