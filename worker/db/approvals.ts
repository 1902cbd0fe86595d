/**
 * The D1 mirror of approvals: rooms write each record as it changes, and the inbox (every pending
 * approval of a workspace, newest first) is one indexed query.
 */
import { and, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { ApprovalRouting, type Approval, type ApprovalListQuery } from "../protocol/approval";
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
  /** Limits to sessions this user may see; null for admins. */
  viewer: string | null = null,
): Promise<Approval[]> {
  const filters = [eq(approvals.workspaceId, workspaceId)];
  if (viewer !== null)
    filters.push(
      inArray(
        approvals.sessionId,
        db
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.workspaceId, workspaceId), visibleTo(db, viewer))),
      ),
    );
  if (q.status === "pending") filters.push(eq(approvals.status, "pending"));
  if (q.session) filters.push(eq(approvals.sessionId, q.session));
  const rows = await db
    .select({ ...getTableColumns(approvals), pipelineRunId: sessions.pipelineRunId, pipelineStepId: sessions.pipelineStepId })
    .from(approvals)
    .leftJoin(sessions, eq(sessions.id, approvals.sessionId))
    .where(and(...filters))
    .orderBy(desc(approvals.createdAt), desc(approvals.id))
    .limit(q.limit);
  return rows.map(({ workspaceId: _w, ...a }) => a as Approval);
}

/**
 * An approval's session and its routing (who a rule named to decide it), for the decision route. The
 * routing grants access, so it is read as text and checked against its schema: a record that does not
 * parse grants nothing.
 */
export async function findApprovalRoute(
  db: Db,
  workspaceId: string,
  approvalId: string,
): Promise<{ sessionId: string; routing: ApprovalRouting | null } | null> {
  const rows = await db
    .select({ sessionId: approvals.sessionId, routing: sql<string | null>`${approvals.routing}` })
    .from(approvals)
    .where(and(eq(approvals.workspaceId, workspaceId), eq(approvals.id, approvalId)))
    .limit(1);
  const row = rows[0];
  return row ? { sessionId: row.sessionId, routing: parseRouting(row.routing) } : null;
}

function parseRouting(text: string | null): ApprovalRouting | null {
  if (text === null) return null;
  try {
    const r = ApprovalRouting.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Which session an approval belongs to, within the workspace (null when it is not theirs). */

export async function findApprovalSession(db: Db, workspaceId: string, approvalId: string): Promise<string | null> {
  const rows = await db
    .select({ sessionId: approvals.sessionId })
    .from(approvals)
    .where(and(eq(approvals.workspaceId, workspaceId), eq(approvals.id, approvalId)))
    .limit(1);
  return rows[0]?.sessionId ?? null;
}
