/**
 * The SessionRoom's brain: `step(state, input, ctx) → { state, effects }`. Pure, so every rule of
 * a session (status, approvals, interrupts, continues, agent loss) is tested in Node; the Durable
 * Object only persists and performs the effects, in order. IMPORTANT: `step` must stay synchronous
 * so that no other input can interleave between deciding and persisting.
 */
import type { AgentEnvelope, ApprovalAnswer, LaunchOrder, RoomToAgentFrame } from "../../worker/protocol/agent";
import { resolutionOf, type Approval, type ApprovalRouting, type DecisionBody } from "../../worker/protocol/approval";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { EventBody } from "../../worker/protocol/events";
import type { MachineDenyRules, RuleRef, RuleVerdict } from "../../worker/protocol/rules";
import type { AgentId, ApprovalId, SessionId, WorkspaceId } from "../../worker/protocol/ids";
import type { LaunchSpec, SessionStatus } from "../../worker/protocol/session";
import type { CreateInput, MachinePolicy, SessionOrigin } from "../../worker/protocol/room-rpc";
import type { DecisionProof } from "../../worker/protocol/signed-decision";
import { containsRedaction, MAX_SCRUB_DEPTH, nestsDeeperThan } from "../../worker/domain/scrub";
import { withoutDiagnostics } from "../../worker/protocol/sdk-message";
import { scrubStep } from "./scrub-step";
import { ruleVerdict } from "./rule-verdict";
import { unconfirmedApproval } from "./interaction";
import { deadlinePassed, disarmRoutingTimers, escalate, routedDecision, withFinalApproval } from "./routing";
import { decisionRefused, unsignedApproval } from "./signed";

export type { CreateInput, SessionOrigin };
import { type ParkedOn, parkedRunEnded, parkTimer, resumeParked, runParked, schedulePark } from "./parking";
import { needsAgent, transition, type Trigger } from "./status";
import { claudeSessionIdOf, EMPTY_TALLY, settleRun, tallyMessage, type Tally } from "./tally";

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
  | { type: "send-agent"; frame: RoomToAgentFrame }
  /** `keep`: an armed deadline stands (the agent-lost clock runs from the first loss, not the latest wake). */
  | { type: "schedule"; key: string; at: number; timer: RoomTimer; keep?: boolean }
  | { type: "unschedule"; key: string }
  | { type: "save-approval"; approval: ApprovalRecord }
  | { type: "launch"; order: LaunchOrder }
  | { type: "cancel-launch"; runId: string };

export type RoomInput =
  | { type: "create"; session: CreateInput }
  /** `verdict`: the rules' answer to an approval request, when the room holds them as current (decided in this same step). */
  | { type: "agent-event"; envelope: AgentEnvelope; inputSha256?: string; verdict?: RuleVerdict | null }
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

function fail(code: ErrorCode, message: string): StepResult {
  return { ok: false, code, message };
}

/** A mutable draft of one step: collects effects and applies status changes as events. */
export class Draft {
  readonly effects: Effect[] = [];
  constructor(
    public state: RoomState,
    readonly ctx: StepContext,
  ) {}

  get session(): SessionFacts {
    if (!this.state.session) throw new Error("room has no session");
    return this.state.session;
  }

  patchSession(patch: Partial<SessionFacts>): void {
    this.state = { ...this.state, session: { ...this.session, ...patch, updatedAt: this.ctx.now } };
  }

  emit(body: EventBody): void {
    this.effects.push({ type: "emit", body });
  }

  /** Applies a trigger; emits `status-changed` when the status really changes. */
  move(trigger: Trigger, reason: string): { ok: true } | { ok: false; code: ErrorCode; message: string } {
    const from = this.session.status;
    const t = transition(from, trigger);
    if (!t.ok) return t;
    if (t.to !== from) {
      const ended = !needsAgent(t.to) && t.to !== "queued" && t.to !== "parked";
      this.patchSession({ status: t.to, statusReason: reason, endedAt: ended ? this.ctx.now : null });
      this.emit({ type: "status-changed", from, to: t.to, reason });
      if (ended) this.forgetEdits();
      this.armAgentTimer();
    }
    return { ok: true };
  }

  /**
   * Keeps the agent-lost timer armed exactly while the session needs an agent that is not connected.
   * Re-arming keeps a deadline already set: a room woken (even by that very alarm) must not push it back.
   */
  armAgentTimer(): void {
    if (needsAgent(this.session.status) && !this.state.agentConnected) {
      this.effects.push({
        type: "schedule",
        key: AGENT_LOST_KEY,
        at: this.ctx.now + this.ctx.agentGraceMs,
        timer: { kind: "agent-lost" },
        keep: true,
      });
    } else {
      this.effects.push({ type: "unschedule", key: AGENT_LOST_KEY });
    }
  }

  resolveApproval(
    rec: ApprovalRecord,
    status: Approval["status"],
    via: NonNullable<Approval["via"]>,
    by: string | null,
    comment: string | null,
    updatedInput: Approval["updatedInput"],
    answer: ApprovalAnswer | null,
    rule?: RuleRef,
  ): ApprovalRecord {
    const next: ApprovalRecord = {
      ...rec,
      status,
      via,
      decidedBy: by,
      comment,
      updatedInput,
      decidedAt: this.ctx.now,
      ...(updatedInput ? { agentInput: updatedInput } : {}),
    };
    this.state = { ...this.state, approvals: { ...this.state.approvals, [rec.id]: next } };
    this.effects.push({ type: "unschedule", key: approvalKey(rec.id) });
    disarmRoutingTimers(this, rec);
    this.effects.push({ type: "save-approval", approval: next });
    this.emit({ type: "approval-resolved", approvalId: rec.id, status, via, by, comment, updatedInput, ...(rule ? { rule } : {}) });
    if (answer && next.parked) resumeParked(this, next, answer);
    else if (answer) this.effects.push({ type: "send-agent", frame: decisionFrame(next, answer) });
    return next;
  }

  /** No agent waits on a decision of an ended run: drop the clear copies of edited inputs. */
  forgetEdits(): void {
    for (const rec of Object.values(this.state.approvals)) {
      if (rec.agentInput === undefined) continue;
      const { agentInput: _clear, ...kept } = rec;
      this.state = { ...this.state, approvals: { ...this.state.approvals, [rec.id]: kept } };
      this.effects.push({ type: "save-approval", approval: kept });
    }
  }

  pending(): ApprovalRecord[] {
    return Object.values(this.state.approvals).filter((a) => a.status === "pending");
  }

  /** Ends every pending approval because the run is over (or being stopped). */
  cancelPending(reason: string): void {
    for (const rec of this.pending()) this.resolveApproval(rec, "cancelled", "system", null, reason, null, null);
  }

  clearedIfNone(reason: string): void {
    if (this.pending().length === 0) this.move({ type: "approvals-cleared" }, reason);
  }

  done(approval?: ApprovalRecord): StepResult {
    return { ok: true, state: this.state, effects: this.effects, ...(approval ? { approval } : {}) };
  }
}

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
 * The one rule for what an agent may add to a session: its events are stored only while the session
 * needs its agent, and while it is queued only the current run's start or its wait for a slot. After an
 * end state nothing is appended (acknowledged, stored nowhere); a run still talking to an ended session
 * is told to stop, and a tool call it raises is denied so Claude Code is never left waiting.
 */
function refusedAgentEvent(d: Draft, ev: AgentEnvelope["event"]): StepResult | null {
  const s = d.session;
  if (needsAgent(s.status) || (s.status === "queued" && (ev.type === "run-started" || ev.type === "run-waiting"))) return null;
  if (s.status === "parked" && ev.type === "run-ended") return null; // the parked run's ending: its cost counts
  if (ev.type === "approval-request") {
    const message = `no tool call can wait for approval while the session is ${s.status}`;
    d.effects.push({ type: "send-agent", frame: { type: "decision", requestId: ev.requestId, answer: { behavior: "deny", message } } });
  } else if (s.status !== "queued" && (ev.type === "run-started" || ev.type === "sdk-message")) {
    d.effects.push({ type: "send-agent", frame: { type: "interrupt" } });
  }
  return d.done();
}

function agentEvent(d: Draft, envelope: AgentEnvelope, inputSha256: string | undefined, verdict: RuleVerdict | null | undefined): StepResult {
  const ev = envelope.event;
  const s = d.session;
  const refused = refusedAgentEvent(d, ev);
  if (refused) return refused;
  switch (ev.type) {
    case "run-started": {
      if (ev.runId !== s.runId) return d.done(); // a stale run's echo: stored nowhere, acknowledged
      const r = d.move({ type: "run-started" }, "the agent started Claude Code");
      return r.ok ? d.done() : fail(r.code, r.message);
    }
    case "run-waiting": {
      if (ev.runId !== s.runId || s.status !== "queued") return d.done();
      const reason = `waiting for a free slot on ${s.agentName}: all ${ev.capacity} of its slots are busy; ${ordinal(ev.position)} in line`;
      d.patchSession({ statusReason: reason });
      d.emit({ type: "status-changed", from: "queued", to: "queued", reason });
      return d.done();
    }
    case "sdk-message": {
      d.emit({ type: "sdk-message", message: ev.message });
      const claudeId = claudeSessionIdOf(ev.message);
      d.patchSession({
        tally: tallyMessage(s.tally, ev.message),
        ...(claudeId ? { claudeSessionId: claudeId } : {}),
        ...(ev.message.type === "result" && typeof ev.message.result === "string" ? { result: ev.message.result } : {}),
      });
      if (claudeId) d.move({ type: "claude-ready" }, "Claude Code is working");
      return d.done();
    }
    case "approval-request": {
      const existing = Object.values(d.state.approvals).find((a) => a.requestId === ev.requestId);
      if (existing) return d.done(existing);
      if (nestsDeeperThan(ev.input, MAX_SCRUB_DEPTH)) {
        // Nobody can review it, and it could not be stored whole: deny it at once.
        const message = `This tool input nests more than ${MAX_SCRUB_DEPTH} levels deep, so it cannot be shown for approval; it was denied.`;
        d.effects.push({ type: "send-agent", frame: { type: "decision", requestId: ev.requestId, answer: { behavior: "deny", message } } });
        return d.done();
      }
      const id = d.ctx.newApprovalId();
      const rec: ApprovalRecord = {
        id,
        sessionId: s.id,
        toolName: ev.toolName,
        toolUseId: ev.toolUseId ?? null,
        // Stored and shown scrubbed (scrubStep); the hash (computed by the room before this step) binds the original.
        input: ev.input,
        inputSha256: inputSha256 ?? "",
        status: "pending",
        createdAt: d.ctx.now,
        expiresAt: d.ctx.now + d.ctx.approvalTimeoutMs,
        decidedAt: null,
        decidedBy: null,
        via: null,
        comment: null,
        updatedInput: null,
        requestId: ev.requestId,
        runId: s.runId,
        ...(ev.requiresUserInteraction ? { requiresUserInteraction: true } : {}),
        ...(ev.suppressAlwaysAllowRule ? { suppressAlwaysAllowRule: true } : {}),
      };
      const r = d.move({ type: "approval-requested" }, `${ev.toolName} needs approval`);
      if (!r.ok) {
        // The session is not running: deny at once so Claude Code is never left waiting.
        d.effects.push({
          type: "send-agent",
          frame: { type: "decision", requestId: ev.requestId, answer: { behavior: "deny", message: r.message } },
        });
        return d.done();
      }
      d.state = { ...d.state, approvals: { ...d.state.approvals, [id]: rec } };
      d.effects.push({ type: "save-approval", approval: rec });
      d.effects.push({ type: "schedule", key: approvalKey(id), at: rec.expiresAt, timer: { kind: "approval-expiry", approvalId: id } });
      schedulePark(d, rec);
      d.emit({ type: "approval-requested", approval: stripInternal(rec) });
      // Rules the room holds as current decide here, in the request's own write: one wait on storage, not two.
      if (verdict && (verdict.decision !== "ask" || verdict.held)) return ruleVerdict(d, id, verdict);
      return d.done(rec);
    }
    case "approval-withdrawn": {
      const rec = Object.values(d.state.approvals).find((a) => a.requestId === ev.requestId);
      if (rec?.status !== "pending") return d.done();
      d.resolveApproval(rec, "cancelled", "system", null, ev.reason ?? "Claude Code withdrew the request", null, null);
      d.clearedIfNone("the pending tool call was withdrawn");
      return d.done();
    }
    case "run-ended": {
      if (ev.runId !== s.runId) return d.done();
      if (s.status === "parked") return parkedRunEnded(d, ev.outcome);
      const o = ev.outcome;
      const error = o.error === undefined ? undefined : withoutDiagnostics(o.error) || undefined;
      const interruptedBy = s.status === "interrupting" ? (s.interruptedBy ?? "a user") : null;
      d.cancelPending("the run ended");
      const reason = describeOutcome(o.kind, error, interruptedBy);
      const r = d.move({ type: "run-ended", outcome: o.kind }, reason);
      if (!r.ok) return d.done(); // already ended (e.g. agent lost, then a late report): keep the first ending
      d.patchSession({
        tally: settleRun(d.session.tally, {
          costUsd: o.costUsd,
          inputTokens: o.inputTokens + o.cacheReadTokens + o.cacheCreationTokens,
          outputTokens: o.outputTokens,
          numTurns: o.numTurns,
        }),
        ...(o.claudeSessionId ? { claudeSessionId: o.claudeSessionId } : {}),
        ...(o.result !== undefined ? { result: o.result } : {}),
      });
      // The stored outcome says what people are shown: who interrupted it, never SDK diagnostics.
      const { error: _raw, ...rest } = o;
      const shownError = interruptedBy && o.kind !== "success" ? `interrupted by ${interruptedBy}` : error;
      d.emit({ type: "run-ended", outcome: { ...rest, ...(shownError ? { error: shownError } : {}) } });
      return d.done();
    }
    case "run-parked":
      return runParked(d, ev);
    case "event-dropped": {
      d.emit({ type: "event-dropped", eventType: ev.eventType, size: ev.size, reason: ev.reason });
      // A dropped approval request was never shown: deny it, so Claude Code is not left waiting on it.
      if (ev.requestId && !Object.values(d.state.approvals).some((a) => a.requestId === ev.requestId)) {
        const message = `This ${ev.eventType} could not reach Tower (${ev.reason}), so nobody could review it; it was denied.`;
        d.effects.push({ type: "send-agent", frame: { type: "decision", requestId: ev.requestId, answer: { behavior: "deny", message } } });
      }
      // A dropped ending still ends the run: the session must not say "running" for ever.
      if (ev.eventType === "run-ended" && envelope.runId === s.runId) {
        d.cancelPending("the run ended");
        d.move({ type: "run-ended", outcome: "error" }, `Claude Code's run ended, but its report could not reach Tower (${ev.reason})`);
      }
      return d.done();
    }
  }
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${n}${teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th")}`;
}

function describeOutcome(kind: string, error: string | undefined, interruptedBy: string | null): string {
  if (interruptedBy) return `interrupted by ${interruptedBy}`;
  if (kind === "interrupted") return error ? `interrupted: ${error}` : "interrupted";
  if (kind === "success") return "Claude Code finished";
  if (kind === "max_turns") return "reached the maximum number of turns; continue to go on";
  return `Claude Code failed: ${error ?? "unknown error"}`;
}

function stripInternal(rec: ApprovalRecord): Approval {
  const { requestId: _r, runId: _run, agentInput: _clear, editSha256: _edit, proof: _proof, parked, ...approval } = rec;
  return parked && approval.status === "pending" ? { ...approval, parked: true } : approval;
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
      return agentEvent(d, input.envelope, input.inputSha256, input.verdict);
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

/** The decision frame for a resolved approval, with the signed proof a person's decision carried. */
function decisionFrame(rec: ApprovalRecord, answer: ApprovalAnswer): RoomToAgentFrame {
  return { type: "decision", requestId: rec.requestId, answer, ...(rec.proof ? { proof: rec.proof } : {}) };
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

export { stripInternal as toPublicApproval };
