/**
 * The session status machine: a table of which trigger moves which status where.
 * Pure and total: every (status, trigger) pair either names the next status or is refused with
 * the error code the API returns. The SessionRoom applies it; nothing else sets a status.
 */
import type { ErrorCode } from "../../worker/protocol/errors";
import type { RunOutcome } from "../../worker/protocol/agent";
import { ACTIVE_STATUSES, isEnded, type SessionStatus } from "../../worker/protocol/session";

export type Trigger =
  | { type: "run-started" }
  | { type: "claude-ready" }
  | { type: "approval-requested" }
  | { type: "approvals-cleared" }
  | { type: "interrupt" }
  | { type: "run-ended"; outcome: RunOutcome["kind"] }
  | { type: "agent-lost" }
  | { type: "continue" }
  | { type: "parked" }
  | { type: "resume-parked" };

export type Transition = { ok: true; to: SessionStatus } | { ok: false; code: ErrorCode; message: string };

function refuse(code: ErrorCode, message: string): Transition {
  return { ok: false, code, message };
}

function outcomeStatus(from: SessionStatus, outcome: RunOutcome["kind"]): SessionStatus {
  if (from === "interrupting") return "interrupted";
  switch (outcome) {
    case "success":
      return "completed";
    case "max_turns":
      return "waiting_for_input";
    case "interrupted":
      return "interrupted";
    case "error":
      return "failed";
  }
}

/** The status `trigger` moves `from` to, or why it may not. */
export function transition(from: SessionStatus, trigger: Trigger): Transition {
  const ended = isEnded(from);
  switch (trigger.type) {
    case "run-started":
      return from === "queued" || from === "starting" ? { ok: true, to: "starting" } : refuse("CONFLICT", `a run cannot start while the session is ${from}`);
    case "claude-ready":
      return from === "starting" ? { ok: true, to: "running" } : { ok: true, to: from };
    case "approval-requested":
      if (from === "running" || from === "starting" || from === "waiting_for_approval") return { ok: true, to: "waiting_for_approval" };
      if (from === "interrupting") return { ok: true, to: "interrupting" };
      return refuse("SESSION_CLOSED", `no tool call can wait for approval while the session is ${from}`);
    case "approvals-cleared":
      return { ok: true, to: from === "waiting_for_approval" ? "running" : from };
    case "parked":
      // From running too: a decision can reach the room while the agent is parking its call.
      return from === "waiting_for_approval" || from === "running"
        ? { ok: true, to: "parked" }
        : refuse("CONFLICT", `no call waits for approval while the session is ${from}`);
    case "resume-parked":
      return from === "parked" ? { ok: true, to: "queued" } : refuse("CONFLICT", `the session is ${from}, not parked`);
    case "interrupt":
      if (from === "queued" || from === "parked") return { ok: true, to: "interrupted" };
      if (from === "starting" || from === "running" || from === "waiting_for_approval") return { ok: true, to: "interrupting" };
      if (from === "interrupting") return { ok: true, to: "interrupting" };
      return refuse("SESSION_CLOSED", `the session is already ${from}; there is nothing to interrupt`);
    case "run-ended":
      return ended || from === "queued" || from === "parked"
        ? refuse("CONFLICT", `no run is active while the session is ${from}`)
        : { ok: true, to: outcomeStatus(from, trigger.outcome) };
    case "agent-lost":
      return ended || from === "queued" || from === "parked" ? refuse("CONFLICT", `the session is ${from}; no agent is needed`) : { ok: true, to: "failed" };
    case "continue":
      return ended ? { ok: true, to: "queued" } : refuse("CONFLICT", `the session is ${from}; continue it once it has stopped (or interrupt it first)`);
  }
}

/** True while Claude Code may be working on the machine, so the agent must stay connected. */
export function needsAgent(status: SessionStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}
