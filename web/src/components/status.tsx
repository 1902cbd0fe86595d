/**
 * Status badges and the connection indicator. `needs approval` is the one state that must never be
 * missed, so it has its own colour, an icon and a label that says what to do.
 */
import type { SessionStatus } from "../../../worker/protocol/session";
import type { LinkStatus } from "../live/workspace-live";

const LABEL: Record<SessionStatus, string> = {
  queued: "queued",
  starting: "starting",
  running: "running",
  waiting_for_approval: "needs approval",
  parked: "parked, needs approval",
  waiting_for_input: "waiting for input",
  interrupting: "interrupting",
  interrupted: "interrupted",
  completed: "completed",
  failed: "failed",
};

export function statusLabel(s: SessionStatus): string {
  return LABEL[s];
}

export function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status === "waiting_for_approval" ? "⚠ " : ""}
      {LABEL[status]}
    </span>
  );
}

const LINK_TEXT: Record<LinkStatus, string> = { live: "live", reconnecting: "reconnecting", offline: "offline" };

export function ConnectionIndicator({ status }: { status: LinkStatus }) {
  return (
    <span className={`link link-${status}`} role="status" aria-live="polite" data-testid="connection" title={`Connection: ${LINK_TEXT[status]}`}>
      <span className="dot" aria-hidden="true" />
      {LINK_TEXT[status]}
    </span>
  );
}

export { age, compact, money } from "../transcript/figures";
