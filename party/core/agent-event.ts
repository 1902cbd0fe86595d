/**
 * What an agent's event does to a session, as one room step: the run's start, wait and end, Claude's
 * messages and their tally, tool calls asking for approval (decided in the same step when the room holds
 * current rules) and withdrawn, a parked run, and dead letters. `step()` (room.ts) calls `agentEvent`.
 */
import type { AgentEnvelope } from "../../worker/protocol/agent";
import type { RuleVerdict } from "../../worker/protocol/rules";
import { MAX_SCRUB_DEPTH, nestsDeeperThan } from "../../worker/domain/scrub";
import { withoutDiagnostics } from "../../worker/protocol/sdk-message";
import type { Draft } from "./draft";
import { parkedDecisionRefused, parkedRunEnded, runParked, schedulePark } from "./parking";
import { ruleVerdict } from "./rule-verdict";
import { needsAgent } from "./status";
import { claudeSessionIdOf, settleRun, tallyMessage } from "./tally";
import { approvalKey, fail, toPublicApproval, type ApprovalRecord, type StepResult } from "./room-types";

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

export function agentEvent(
  d: Draft,
  envelope: AgentEnvelope,
  inputSha256: string | undefined,
  verdict: RuleVerdict | null | undefined,
  applied = false,
): StepResult {
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
      d.emit({ type: "approval-requested", approval: toPublicApproval(rec) });
      // Rules the room holds as current decide here, in the request's own write: one wait on storage, not two.
      if (verdict && (verdict.decision !== "ask" || verdict.held)) return ruleVerdict(d, id, verdict, undefined, applied);
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
    case "parked-decision-refused":
      return parkedDecisionRefused(d, ev.toolUseId, ev.reason);
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
