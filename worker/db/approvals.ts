/**
 * The D1 mirror of approvals: rooms write each record as it changes, and the inbox (every pending
 * approval of a workspace, newest first) is one indexed query.
 */
import { and, desc, eq, getTableColumns, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Approval, ApprovalListQuery, ApprovalRouting } from "../protocol/approval";
import { isUnreadable, type Unreadable } from "./checked-json";
import type { Db } from "./client";
import { visibleTo } from "./grants";
import { approvals, sessions } from "./schema";

/**
 * The upsert of an approval's mirror row; run it alone or in a batch. The room's outbox runs its
 * prepared twin (mirror.ts); test/worker/db-mirror.test.ts holds them equal.
 */
export function upsertApproval(db: Db, workspaceId: string, a: Approval) {
  const { pipelineRunId: _r, pipelineStepId: _s, ...rest } = a;
  const row = { ...rest, workspaceId };
  return db.insert(approvals).values(row).onConflictDoUpdate({ target: approvals.id, set: row });
}

export async function listApprovals(
  db: Db,
  workspaceId: string,
  q: ApprovalListQuery,
  /** `viewer`: limits to sessions this user may see (null for admins); `routedTo`: adds the calls routed to this user. */
  who: { viewer: string | null; routedTo: string | null } = { viewer: null, routedTo: null },
): Promise<Approval[]> {
  const filters = [eq(approvals.workspaceId, workspaceId)];
  const { viewer, routedTo } = who;
  if (viewer !== null) {
    const visible = inArray(
      approvals.sessionId,
      db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.workspaceId, workspaceId), visibleTo(db, viewer))),
    );
    filters.push(routedTo === null ? visible : or(visible, routedToUser(routedTo))!);
  }
  if (q.status === "pending") filters.push(eq(approvals.status, "pending"));
  if (q.session) filters.push(eq(approvals.sessionId, q.session));
  const rows = await db
    .select({
      ...getTableColumns(approvals),
      pipelineRunId: sessions.pipelineRunId,
      pipelineStepId: sessions.pipelineStepId,
      sessionTitle: sessions.title,
      sessionStatus: sessions.status,
    })
    .from(approvals)
    .leftJoin(sessions, eq(sessions.id, approvals.sessionId))
    .where(and(...filters))
    .orderBy(desc(approvals.createdAt), desc(approvals.id))
    .limit(q.limit);
  // The SDK's flags are stored as booleans; the public shape (as the room sends it) carries only a set flag.
  return rows.map(({ workspaceId: _w, sessionTitle, sessionStatus, requiresUserInteraction: ui, suppressAlwaysAllowRule: noRule, routing, ...a }) => {
    return {
      ...a,
      routing: readableRouting(routing),
      // Only one call of a session is ever parked (a run parks only with a lone call waiting).
      ...(sessionStatus === "parked" && a.status === "pending" ? { parked: true as const } : {}),
      ...(sessionTitle !== null ? { sessionTitle } : {}),
      ...(ui ? { requiresUserInteraction: true } : {}),
      ...(noRule ? { suppressAlwaysAllowRule: true } : {}),
    } as Approval;
  });
}

/**
 * Approvals whose routing names `userId` now (the SQL side of `namedDeciders`): among its eligible
 * people, or its escalation's once escalated. A record that is not JSON of that shape names nobody.
 */
function routedToUser(userId: string): SQL {
  const r = approvals.routing;
  const names = (path: string) =>
    sql`(json_type(${r}, ${path}) = 'array' AND EXISTS (SELECT 1 FROM json_each(${r}, ${path}) WHERE json_each.value = ${userId}))`;
  return sql`(CASE WHEN json_valid(${r}) THEN (${names("$.eligible")} OR (json_type(${r}, '$.escalation.escalatedAt') = 'integer' AND ${names("$.escalation.eligible")})) ELSE 0 END)`;
}

/**
 * An approval's session and its routing (who a rule named to decide it), for the decision route. The
 * routing grants access, so a record that does not read as its schema grants nothing.
 */
export async function findApprovalRoute(
  db: Db,
  workspaceId: string,
  approvalId: string,
): Promise<{ sessionId: string; routing: ApprovalRouting | null } | null> {
  const rows = await db
    .select({ sessionId: approvals.sessionId, routing: approvals.routing })
    .from(approvals)
    .where(and(eq(approvals.workspaceId, workspaceId), eq(approvals.id, approvalId)))
    .limit(1);
  const row = rows[0];
  return row ? { sessionId: row.sessionId, routing: readableRouting(row.routing) } : null;
}

const readableRouting = (r: ApprovalRouting | Unreadable | null): ApprovalRouting | null => (isUnreadable(r) ? null : r);

/** Which session an approval belongs to, within the workspace (null when it is not theirs). */

export async function findApprovalSession(db: Db, workspaceId: string, approvalId: string): Promise<string | null> {
  const rows = await db
    .select({ sessionId: approvals.sessionId })
    .from(approvals)
    .where(and(eq(approvals.workspaceId, workspaceId), eq(approvals.id, approvalId)))
    .limit(1);
  return rows[0]?.sessionId ?? null;
}
