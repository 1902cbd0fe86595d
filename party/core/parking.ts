/**
 * Parking, as steps of the room: a run parked while its lone call waited (the agent's run-parked) leaves that
 * approval open and the session `parked`, its machine slot free. Any answer to a parked approval (a person, a
 * rule, the deadline) launches a run on the same machine (Claude's transcript is there) that resumes the
 * session with the answer bound to exactly that call (LaunchOrder.parked), instead of answering a live run.
 */
import type { AgentEvent, ApprovalAnswer, ParkedCall, RunOutcome } from "../../worker/protocol/agent";
import { settleRun } from "./tally";
import { answerFor, type ApprovalRecord, type Draft, type StepResult } from "./room";

type RunParked = Extract<AgentEvent, { type: "run-parked" }>;

/** Where a parked approval's call lives: its run and Claude's record of it. */
export interface ParkedOn {
  runId: string;
  call: ParkedCall;
}

/** The run id of the run that resumes a parked approval: one per approval, so a repeat launches nothing new. */
export const resumeRunId = (approvalId: string) => `park-${approvalId}`;

export function runParked(d: Draft, ev: RunParked): StepResult {
  const s = d.session;
  if (ev.runId !== s.runId) return d.done();
  const rec = Object.values(d.state.approvals).find((a) => a.requestId === ev.requestId);
  if (!rec) return d.done();
  // The person decided on the input Tower hashed; a parked call with another input must not be answered by it.
  if (ev.call.inputSha256 !== rec.inputSha256) {
    if (rec.status === "pending") d.resolveApproval(rec, "cancelled", "system", null, "the parked call is not the one this approval shows", null, null);
    return d.done();
  }
  const parked: ApprovalRecord = { ...rec, parked: { runId: ev.runId, call: ev.call } };
  d.state = { ...d.state, approvals: { ...d.state.approvals, [rec.id]: parked } };
  d.effects.push({ type: "save-approval", approval: parked });
  if (rec.status === "pending") {
    d.move({ type: "parked" }, `${rec.toolName} waits for a decision; the run is parked and ${s.agentName} is free until then`);
    return d.done(parked);
  }
  // Decided while the agent was parking it: the answer went to a run that was ending, so the resumed run carries it.
  const answer = rec.status === "cancelled" ? null : answerFor(rec);
  if (answer) {
    d.move({ type: "parked" }, `${rec.toolName} was decided while its run was parked`);
    resumeParked(d, parked, answer);
  }
  return d.done(parked);
}

/** A call that waits parks its run after the configured time (the approval's own expiry is later, or not). */
export function schedulePark(d: Draft, rec: ApprovalRecord): void {
  if (d.ctx.parkAfterMs === undefined) return;
  const at = d.ctx.now + d.ctx.parkAfterMs;
  if (at >= rec.expiresAt) return;
  d.effects.push({ type: "schedule", key: `park:${rec.id}`, at, timer: { kind: "approval-park", approvalId: rec.id } });
}

/** The wait is over: the agent parks the run if the call still waits (it refuses, and the run goes on, otherwise). */
export function parkTimer(d: Draft, approvalId: string): StepResult {
  const rec = d.state.approvals[approvalId];
  if (rec?.status !== "pending" || rec.parked || d.session.status !== "waiting_for_approval" || !d.state.agentConnected) return d.done();
  if (rec.runId !== d.session.runId) return d.done();
  d.effects.push({ type: "send-agent", frame: { type: "park", requestId: rec.requestId } });
  return d.done();
}

/** The ending the agent reports after run-parked: the run is over and paid for; the session stays parked (nothing cancelled). */
export function parkedRunEnded(d: Draft, o: RunOutcome): StepResult {
  d.patchSession({
    tally: settleRun(d.session.tally, {
      costUsd: o.costUsd,
      inputTokens: o.inputTokens + o.cacheReadTokens + o.cacheCreationTokens,
      outputTokens: o.outputTokens,
      numTurns: o.numTurns,
    }),
  });
  d.emit({ type: "run-ended", outcome: { ...o, error: "parked: the call waits for a decision" } });
  return d.done();
}

/**
 * The machine refused the decision it was resumed with (party/core/signed.ts has the live call's case): its
 * run answered the call with a deny, so the approval is recorded denied by the machine, with why, and
 * Tower shows what the machine did. Only the run resuming that very call can say so; a repeat is a no-op.
 */
export function parkedDecisionRefused(d: Draft, toolUseId: string, reason: string): StepResult {
  const s = d.session;
  const rec = Object.values(d.state.approvals).find((a) => a.parked && resumeRunId(a.id) === s.runId);
  if (rec?.status !== "approved" || rec.parked?.call.toolUseId !== toolUseId) return d.done();
  const comment = `${s.agentName} refused the decision (${reason}); the call was answered with a deny and did not run`;
  const next = d.resolveApproval(rec, "denied", "system", s.agentName, comment, null, null);
  return d.done(next);
}

/** Launches the run that resumes the parked call with `answer`; the session is queued for it. */
export function resumeParked(d: Draft, rec: ApprovalRecord, answer: ApprovalAnswer): void {
  const on = rec.parked;
  if (!on || d.session.status !== "parked") return;
  const s = d.session;
  const runId = resumeRunId(rec.id);
  const r = d.move({ type: "resume-parked" }, `${rec.toolName} ${rec.status}: resuming the parked run on ${s.agentName}`);
  if (!r.ok) return;
  d.patchSession({ runId, result: null, endedAt: null, interruptedBy: null });
  d.effects.push({
    type: "launch",
    order: {
      sessionId: s.id,
      runId,
      spec: s.spec,
      resume: on.call.claudeSessionId,
      parked: { toolUseId: on.call.toolUseId, inputSha256: on.call.inputSha256, answer, ...(rec.proof ? { proof: rec.proof } : {}) },
    },
  });
}
