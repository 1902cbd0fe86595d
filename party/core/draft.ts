/**
 * The mutable draft of one room step: the state as it changes and the effects it collects, with the
 * moves every input shares (a status change as an event, the agent-lost clock, resolving an approval).
 * `step()` (room.ts) makes one per input; its helpers (agent-event, routing, parking, rule verdicts) act on it.
 */
import type { ApprovalAnswer } from "../../worker/protocol/agent";
import type { Approval } from "../../worker/protocol/approval";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { EventBody } from "../../worker/protocol/events";
import type { RuleVerdict } from "../../worker/protocol/rules";
import { resumeParked } from "./parking";
import { disarmRoutingTimers } from "./routing";
import { needsAgent, transition, type Trigger } from "./status";
import {
  AGENT_LOST_KEY,
  approvalKey,
  decisionFrame,
  type ApprovalRecord,
  type Effect,
  type RoomState,
  type SessionFacts,
  type StepContext,
  type StepResult,
} from "./room-types";

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
    ruled?: RuleVerdict,
  ): ApprovalRecord {
    const rule = ruled?.rule ?? undefined;
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
    // A rule's decision goes out with its verdict, which the room seals for the agent to journal (party/rule-seal.ts).
    else if (answer)
      this.effects.push({
        type: "send-agent",
        frame: decisionFrame(next, answer),
        ...(ruled ? { ruled: { verdict: ruled, inputSha256: rec.inputSha256 } } : {}),
      });
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
