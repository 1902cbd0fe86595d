/**
 * Session sharing in D1: grants to a person or the whole workspace, and the SQL condition that
 * limits a list to the sessions a user may see (theirs, or shared with them or the workspace).
 */
import { and, eq, exists, inArray, or, sql, type SQL } from "drizzle-orm";
import type { SessionAccess } from "../domain/visibility";
import type { Db } from "./client";
import { sessionGrants, sessions } from "./schema";

export interface Grant {
  principal: string;
  role: "collaborator" | "viewer";
  grantedBy: string;
  createdAt: number;
}

export async function listGrants(db: Db, sessionId: string): Promise<Grant[]> {
  return db
    .select({ principal: sessionGrants.principal, role: sessionGrants.role, grantedBy: sessionGrants.grantedBy, createdAt: sessionGrants.createdAt })
    .from(sessionGrants)
    .where(eq(sessionGrants.sessionId, sessionId))
    .orderBy(sessionGrants.createdAt);
}

export async function putGrant(db: Db, workspaceId: string, sessionId: string, g: Grant): Promise<void> {
  const row = { sessionId, workspaceId, ...g };
  await db
    .insert(sessionGrants)
    .values(row)
    .onConflictDoUpdate({ target: [sessionGrants.sessionId, sessionGrants.principal], set: { role: g.role, grantedBy: g.grantedBy } });
}

export async function deleteGrant(db: Db, sessionId: string, principal: string): Promise<boolean> {
  const r = await db
    .delete(sessionGrants)
    .where(and(eq(sessionGrants.sessionId, sessionId), eq(sessionGrants.principal, principal)))
    .returning({ p: sessionGrants.principal });
  return r.length > 0;
}

/** Sessions `userId` may see: owned, or shared with them or with the whole workspace. */
export function visibleTo(db: Db, userId: string): SQL {
  return or(
    eq(sessions.ownerId, userId),
    exists(
      db
        .select({ one: sql`1` })
        .from(sessionGrants)
        .where(and(eq(sessionGrants.sessionId, sessions.id), inArray(sessionGrants.principal, ["workspace", `user:${userId}`]))),
    ),
  )!;
}

/** Owner and grants of sessions of a workspace, by id (a session not in it is absent): what `maySeeSession` needs. */
export async function sessionAccess(db: Db, workspaceId: string, ids: readonly string[]): Promise<Map<string, SessionAccess>> {
  const out = new Map<string, SessionAccess>();
  if (!ids.length) return out;
  const [owners, grants] = await db.batch([
    db
      .select({ id: sessions.id, ownerId: sessions.ownerId })
      .from(sessions)
      .where(and(eq(sessions.workspaceId, workspaceId), inArray(sessions.id, [...ids]))),
    db
      .select({ sessionId: sessionGrants.sessionId, principal: sessionGrants.principal, role: sessionGrants.role })
      .from(sessionGrants)
      .where(and(eq(sessionGrants.workspaceId, workspaceId), inArray(sessionGrants.sessionId, [...ids]))),
  ]);
  for (const o of owners)
    out.set(o.id, {
      ownerId: o.ownerId,
      grants: grants.filter((g) => g.sessionId === o.id).map(({ principal, role }) => ({ principal, role: role as "collaborator" | "viewer" })),
    });
  return out;
}
