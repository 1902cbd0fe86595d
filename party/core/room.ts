/**
 * The SessionRoom's brain: `step(state, input, ctx) → { state, effects }`. Pure, so every rule of
 * a session (status, approvals, interrupts, continues, agent loss) is tested in Node; the Durable
 * Object only persists and performs the effects, in order. IMPORTANT: `step` must stay synchronous
 * so that no other input can interleave between deciding and persisting. The shapes it works on are in
 * room-types.ts (re-exported here), the draft of a step in draft.ts, an agent's events in agent-event.ts.
 */
import type { ApprovalAnswer, LaunchOrder } from "../../worker/protocol/agent";
import type { DecisionProof } from "../../worker/protocol/signed-decision";
import { resolutionOf, type DecisionBody } from "../../worker/protocol/approval";
import { containsRedaction, MAX_SCRUB_DEPTH, nestsDeeperThan } from "../../worker/domain/scrub";
import { agentEvent } from "./agent-event";
import { Draft } from "./draft";
import { unconfirmedApproval } from "./interaction";
import { parkTimer } from "./parking";
import {
  decisionFrame,
  EXPIRED_MESSAGE,
  fail,
  type ApprovalRecord,
  type CreateInput,
  type RoomInput,
  type RoomState,
  type RoomTimer,
  type StepContext,
  type StepResult,
} from "./room-types";
import { deadlinePassed, escalate, routedDecision, withFinalApproval } from "./routing";
import { ruleVerdict } from "./rule-verdict";
import { decisionRefused, unsignedApproval } from "./signed";
import { scrubStep } from "./scrub-step";
import { needsAgent } from "./status";
import { EMPTY_TALLY } from "./tally";

export * from "./room-types";
export { Draft } from "./draft";

function create(d: Draft, c: CreateInput): StepResult {
  if (d.state.session) return fail("CONFLICT", "this session already exists");
  const now = d.ctx.now;
  d.state = {
    ...d.state,
    session: {
      id: c.id,
      workspaceId: c.workspaceId,
      agentId: c.agentId,
      agentName: c.agentName,
      ownerId: c.ownerId,
      parentSessionId: c.parentSessionId,
      title: c.title,
      spec: c.spec,
      status: "queued",
      statusReason: "waiting for the agent to pick it up",
      archived: false,
      claudeSessionId: null,
      runId: c.runId,
      tally: { ...EMPTY_TALLY, costBaselineUsd: c.costBaselineUsd ?? 0, claudeCostUsd: c.costBaselineUsd ?? 0 },
      result: null,
      createdAt: now,
      updatedAt: now,
      endedAt: null,
      ...(c.origin ? { origin: c.origin } : {}),
      ...(c.machineDenyRules ? { machineDenyRules: c.machineDenyRules } : {}),
      ...(c.requireSignedDecisions ? { requireSignedDecisions: true } : {}),
    },
  };
  d.emit({ type: "session-created", title: c.title, spec: c.spec, ...(c.costBaselineUsd ? { inheritedCostUsd: c.costBaselineUsd } : {}) });
  d.emit({ type: "status-changed", from: null, to: "queued", reason: "waiting for the agent to pick it up" });
  const order: LaunchOrder = { sessionId: c.id, runId: c.runId, spec: c.spec };
  if (c.resume) Object.assign(order, { resume: c.resume, fork: true });
  d.effects.push({ type: "launch", order });
  return d.done();
}

/**
 * A decision binds the input the person saw (its hash) and, for an approve, the edit: an identical
 * repeat is idempotent; another answer, another edit, a stale input or a late decision is refused.
 */
function decide(
  d: Draft,
  approvalId: string,
  body: DecisionBody,
  by: string,
  editSha256: string | null,
  userId: string | null,
  proof: DecisionProof | undefined,
): StepResult {
  const rec = d.state.approvals[approvalId];
  if (!rec) return fail("NOT_FOUND", `approval ${approvalId} is not part of this session`);
  if (body.inputSha256 !== rec.inputSha256) {
    return fail(
      "CONFLICT",
      `The input of ${rec.toolName} changed since you saw it (approval ${approvalId}); reload the approval and decide on what it shows now.`,
    );
  }
  const { status: wanted, comment, updatedInput } = resolutionOf(body);
  if (rec.status !== "pending") {
    const sameEdit = wanted === "denied" || (rec.editSha256 ?? null) === editSha256;
    if (rec.status === wanted && sameEdit) return d.done(rec); // the same decision again: idempotent
    const who = rec.decidedBy ? ` by ${rec.decidedBy}` : "";
    if (rec.status === wanted) return fail("CONFLICT", `approval ${approvalId} is already approved${who} with a different input; the first decision stands.`);
    return fail("CONFLICT", `approval ${approvalId} is already ${rec.status}${who}`);
  }
  if (d.ctx.now >= rec.expiresAt) {
    return fail("CONFLICT", `approval ${approvalId} expired at ${new Date(rec.expiresAt).toISOString()}; it is denied and can no longer be decided.`);
  }
  if (body.decision === "approve" && body.updatedInput && nestsDeeperThan(body.updatedInput, MAX_SCRUB_DEPTH)) {
    return fail("BAD_REQUEST", `The edited input nests more than ${MAX_SCRUB_DEPTH} levels deep; flatten it or approve without edits.`);
  }
  if (body.decision === "approve" && body.updatedInput && containsRedaction(body.updatedInput)) {
    return fail("BAD_REQUEST", "The edited input still contains [REDACTED:…] markers; write those values out or approve without edits.");
  }
  const unsigned = unsignedApproval(d.session, body, proof);
  if (unsigned) return fail(unsigned.code, unsigned.message);
  const unconfirmed = unconfirmedApproval(rec, body);
  if (unconfirmed) return fail(unconfirmed.code, unconfirmed.message);
  const routed = routedDecision(d, rec, body, by, userId);
  if (routed) return routed;
  const answer: ApprovalAnswer =
    body.decision === "approve"
      ? body.updatedInput
        ? { behavior: "allow", updatedInput: body.updatedInput }
        : { behavior: "allow" }
      : { behavior: "deny", message: body.comment };
  const counted = wanted === "approved" ? withFinalApproval(rec, by, userId, d.ctx.now) : rec;
  const bound: ApprovalRecord = { ...counted, editSha256: updatedInput ? editSha256 : null, ...(proof ? { proof } : {}) };
  const next = d.resolveApproval(bound, wanted, "human", by, comment, updatedInput, answer);
  d.clearedIfNone(`${rec.toolName} ${wanted} by ${by}`);
  return d.done(next);
}

function interrupt(d: Draft, by: string): StepResult {
  const wasQueued = d.session.status === "queued";
  const r = d.move({ type: "interrupt" }, wasQueued ? `cancelled by ${by} before it started` : `${by} asked to interrupt`);
  if (!r.ok) return fail(r.code, r.message);
  d.emit({ type: "interrupt-requested", by });
  d.patchSession({ interruptedBy: by });
  d.cancelPending(`interrupted by ${by}`);
  if (wasQueued) d.effects.push({ type: "cancel-launch", runId: d.session.runId });
  else d.effects.push({ type: "send-agent", frame: { type: "interrupt" } });
  return d.done();
}

function continueSession(d: Draft, prompt: string, runId: string, by: string): StepResult {
  const s = d.session;
  const r = d.move({ type: "continue" }, "waiting for the agent to pick up the follow-up");
  if (!r.ok) return fail(r.code, r.message);
  const spec = { ...s.spec, prompt };
  d.patchSession({ runId, spec, result: null, endedAt: null, interruptedBy: null });
  d.emit({ type: "user-prompt", prompt, by });
  const order: LaunchOrder = { sessionId: s.id, runId, spec };
  if (s.claudeSessionId) order.resume = s.claudeSessionId;
  d.effects.push({ type: "launch", order });
  return d.done();
}

function timer(d: Draft, t: RoomTimer): StepResult {
  if (t.kind === "agent-lost") {
    if (d.state.agentConnected || !needsAgent(d.session.status)) return d.done();
    d.cancelPending("the agent was lost");
    d.move(
      { type: "agent-lost" },
      "agent lost: the machine stopped answering and did not come back in time; whether Claude Code still runs there is unknown (its agent stops any run it left behind when it restarts)",
    );
    return d.done();
  }
  if (t.kind === "approval-escalate") return escalate(d, t.approvalId);
  if (t.kind === "approval-deadline") return deadlinePassed(d, t.approvalId);
  if (t.kind === "approval-park") return parkTimer(d, t.approvalId);
  const rec = d.state.approvals[t.approvalId];
  if (rec?.status !== "pending") return d.done();
  d.resolveApproval(rec, "expired", "timeout", null, "no decision before the deadline", null, {
    behavior: "deny",
    message: EXPIRED_MESSAGE,
  });
  d.clearedIfNone(`${rec.toolName} expired without a decision`);
  return d.done(rec);
}

/** Applies one input to the room. Refusals change nothing and carry the API error code. */
export function step(state: RoomState, input: RoomInput, ctx: StepContext): StepResult {
  return scrubStep(state, applyInput(state, input, ctx));
}

function applyInput(state: RoomState, input: RoomInput, ctx: StepContext): StepResult {
  const d = new Draft(state, ctx);
  if (input.type === "create") return create(d, input.session);
  if (!state.session) return fail("NOT_FOUND", "this session does not exist");
  switch (input.type) {
    case "agent-event":
      return agentEvent(d, input.envelope, input.inputSha256, input.verdict, input.applied);
    case "decide":
      return decide(d, input.approvalId, input.body, input.by, input.editSha256 ?? null, input.userId ?? null, input.proof);
    case "decision-refused":
      return decisionRefused(d, input.requestId, input.reason);
    case "rule-verdict":
      return ruleVerdict(d, input.approvalId, input.verdict, input.routing);
    case "interrupt":
      return interrupt(d, input.by);
    case "continue":
      return continueSession(d, input.prompt, input.runId, input.by);
    case "patch":
      d.patchSession({
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.archived !== undefined ? { archived: input.archived } : {}),
      });
      return d.done();
    case "machine-policy":
      d.patchSession({ machineDenyRules: input.denyRules, requireSignedDecisions: input.requireSignedDecisions });
      return d.done();
    case "handoff":
      d.emit({ type: "owner-changed", from: d.session.ownerId, to: input.ownerId, by: input.by });
      d.patchSession({ ownerId: input.ownerId });
      return d.done();
    case "agent-connected":
      d.state = { ...d.state, agentConnected: true };
      d.armAgentTimer();
      if (d.session.status === "interrupting") d.effects.push({ type: "send-agent", frame: { type: "interrupt" } });
      return d.done();
    case "agent-disconnected":
      d.state = { ...d.state, agentConnected: false };
      d.armAgentTimer();
      return d.done();
    case "resync":
      return resync(d, input.waiting);
    case "timer":
      return timer(d, input.timer);
  }
}

/** After a reconnect, re-sends the decisions the agent is still waiting for. */
function resync(d: Draft, waiting: string[]): StepResult {
  for (const requestId of waiting) {
    const rec = Object.values(d.state.approvals).find((a) => a.requestId === requestId);
    const answer = rec ? answerFor(rec) : { behavior: "deny" as const, message: "This request is unknown to Tower; do not retry it." };
    if (answer) d.effects.push({ type: "send-agent", frame: rec ? decisionFrame(rec, answer) : { type: "decision", requestId, answer } });
  }
  return d.done();
}

/** The answer an already-resolved approval gave (null while it is still pending). */
export function answerFor(rec: ApprovalRecord): ApprovalAnswer | null {
  switch (rec.status) {
    case "pending":
      return null;
    case "approved":
      if (rec.agentInput) return { behavior: "allow", updatedInput: rec.agentInput };
      return rec.updatedInput ? { behavior: "allow", updatedInput: rec.updatedInput } : { behavior: "allow" };
    case "denied":
      return { behavior: "deny", message: rec.comment ?? "Denied." };
    case "expired":
      return { behavior: "deny", message: EXPIRED_MESSAGE };
    case "cancelled":
      return { behavior: "deny", message: `Cancelled: ${rec.comment ?? "the session stopped"}`, interrupt: true };
  }
}
