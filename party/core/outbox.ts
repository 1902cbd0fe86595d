/**
 * The room's outbox as pure rules: which queued deliveries may go now and in what order, and how long
 * to wait after a failed attempt. The rows live in the room's SQLite (party/storage.ts), written in the
 * transaction of the change that needs them, and RoomOutbox (party/room-outbox.ts) delivers and deletes
 * them; also which room events the audit log keeps. Invariant: nothing tells an agent or a pipeline
 * about a change D1 does not have yet.
 */
import type { AuditContent } from "../../worker/domain/audit-chain";
import type { EventBody } from "../../worker/protocol/events";
import { isEnded } from "../../worker/protocol/session";

/** d1: summary row, approval mirror, audit entries · link: launch/cancel orders · pipeline: a step's end · hub: list/inbox frames. */
export type OutboxTarget = "d1" | "link" | "pipeline" | "hub";
export const OUTBOX_TARGETS: readonly OutboxTarget[] = ["d1", "link", "pipeline", "hub"];

export interface OutboxRow {
  /** Grows with every write (a replaced row gets a new id), so "delete what I delivered" is by id. */
  id: number;
  target: OutboxTarget;
  /** Unique per target: a newer version of the same thing replaces the queued one. */
  key: string;
  body: string;
}

/**
 * The rows of `target` that may be delivered now, oldest first. Launch orders and the pipeline report
 * wait behind any D1 row queued before them (D1 has the session before an agent hears of it); hub rows
 * are queued only once their D1 write has landed, so they never wait.
 */
export function deliverable(rows: readonly OutboxRow[], target: Exclude<OutboxTarget, "d1">): OutboxRow[] {
  const barrier = target === "hub" ? Infinity : Math.min(Infinity, ...rows.filter((r) => r.target === "d1").map((r) => r.id));
  return rows.filter((r) => r.target === target && r.id < barrier).sort((a, b) => a.id - b.id);
}

/**
 * The queue as it stands after D1 took `delivered` and the hub rows that follows queued (`added`),
 * without reading the table again (one read per flush): what was read, less what was delivered and
 * what a new row replaced (same target and key), plus the new rows, oldest first.
 */
export function afterDelivery(rows: readonly OutboxRow[], delivered: readonly OutboxRow[], added: readonly OutboxRow[]): OutboxRow[] {
  const gone = new Set(delivered.map((r) => r.id));
  const replaced = new Set(added.map((r) => `${r.target}\n${r.key}`));
  return [...rows.filter((r) => !gone.has(r.id) && !replaced.has(`${r.target}\n${r.key}`)), ...added].sort((a, b) => a.id - b.id);
}

export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 5 * 60_000;

/**
 * Backoff after the `attempts`-th failure in a row: doubling from a second up to five minutes, with
 * jitter in the upper half, so rooms that failed together (a D1 outage) do not retry together.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, Math.min(attempts, 30) - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A pipeline step's end, as a key: a continue and a new end make a new key, which is reported again. */
export function pipelineEndKey(s: { pipelineRunId?: string | null; status: string; endedAt: number | null; updatedAt: number } | null): string | null {
  if (!s?.pipelineRunId || !isEnded(s.status)) return null;
  return `${s.status}@${s.endedAt ?? s.updatedAt}`;
}

/** The audit entry for a room event, if it is one the log keeps. */
export function auditEntryFor(workspaceId: string, sessionId: string, body: EventBody): Omit<AuditContent, "seq" | "at"> | null {
  switch (body.type) {
    case "approval-resolved":
      return {
        workspaceId,
        actor: body.by ?? "tower",
        actorKind: body.via === "human" ? "user" : "system",
        via: body.via,
        action: `approval.${body.status}`,
        target: body.approvalId,
        details: {
          session: sessionId,
          ...(body.comment ? { comment: body.comment } : {}),
          ...(body.updatedInput ? { editedInput: true } : {}),
          ...(body.rule ? { rule: body.rule } : {}),
        },
      };
    case "approval-partial":
      return {
        workspaceId,
        actor: body.by,
        actorKind: "user",
        via: "human",
        action: "approval.partial",
        target: body.approvalId,
        details: { session: sessionId, approvals: body.approvals, quorum: body.quorum },
      };
    case "approval-escalated":
      return {
        workspaceId,
        actor: body.rule,
        actorKind: "system",
        via: "rule",
        action: "approval.escalated",
        target: body.approvalId,
        details: { session: sessionId, to: body.to, afterMs: body.afterMs },
      };
    case "interrupt-requested":
      return { workspaceId, actor: body.by, actorKind: "user", via: "human", action: "session.interrupt", target: sessionId, details: {} };
    default:
      return null;
  }
}
