/**
 * The open session's summary (the header's status, counts, cost) as two sources feed it: the session
 * socket's snapshot and events, and the workspace hub's `session-upsert`s, which trail by the room's
 * write-behind. Either may arrive late, so every copy is ordered by how far into the session's events
 * it reaches (`lastSeq`), then by `updatedAt`: an older copy never overwrites a newer status. Pure.
 */
import type { SessionEvent } from "../../../worker/protocol/events";
import type { SessionSummary } from "../../../worker/protocol/session";

/** Whether `next` is at least as new as `cur` (and so may replace it). */
export function isNewerSummary(cur: SessionSummary | null, next: SessionSummary): boolean {
  if (!cur) return true;
  if (next.lastSeq !== cur.lastSeq) return next.lastSeq > cur.lastSeq;
  return next.updatedAt >= cur.updatedAt;
}

/** The newer of two copies. */
export function newerSummary(cur: SessionSummary | null, next: SessionSummary): SessionSummary {
  return isNewerSummary(cur, next) ? next : cur!;
}

/**
 * The summary moved on by live events: a status change sets the status, and every event the copy now
 * reflects advances its `lastSeq`, so a hub copy written before those events can no longer win.
 */
export function summaryAfterEvents(summary: SessionSummary | null, events: readonly SessionEvent[]): SessionSummary | null {
  if (!summary) return null;
  let s = summary;
  for (const e of events) {
    if (e.seq <= s.lastSeq) continue;
    s = { ...s, lastSeq: e.seq, updatedAt: Math.max(s.updatedAt, e.at) };
    if (e.type === "status-changed") s = { ...s, status: e.to, statusReason: e.reason };
  }
  return s;
}
