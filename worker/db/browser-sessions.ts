/**
 * Browser sessions in D1 (the cookie's secret is stored only as its sha256). A live session
 * resolves to the same Actor a token would, so policy and audit treat both alike; a revoked or
 * expired one, one whose user was disabled, or one made from a token that is no longer live,
 * resolves to nothing.
 */
import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import type { Actor, WorkspaceRole } from "../domain/policy";
import { isUnreadable, type Unreadable } from "./checked-json";
import type { Db } from "./client";
import { apiTokens, browserSessions, memberships, users } from "./schema";

export type NewBrowserSession = typeof browserSessions.$inferInsert;

export function insertBrowserSessionQuery(db: Db, row: NewBrowserSession) {
  return db.insert(browserSessions).values(row);
}

/** The session's actor, or `unreadable` when its stored scopes no longer read (the caller refuses it, saying so). */
export async function findBrowserActor(db: Db, secretHash: string, now: number): Promise<Actor | Unreadable | null> {
  const rows = await db
    .select({
      id: browserSessions.id,
      workspaceId: browserSessions.workspaceId,
      userId: browserSessions.userId,
      subject: browserSessions.subject,
      scopes: browserSessions.scopes,
      expiresAt: browserSessions.expiresAt,
      role: memberships.role,
      disabledAt: users.disabledAt,
    })
    .from(browserSessions)
    .innerJoin(users, eq(users.id, browserSessions.userId))
    .leftJoin(memberships, and(eq(memberships.workspaceId, browserSessions.workspaceId), eq(memberships.userId, browserSessions.userId)))
    .leftJoin(apiTokens, eq(apiTokens.id, browserSessions.sourceTokenId))
    .where(
      and(
        eq(browserSessions.secretHash, secretHash),
        isNull(browserSessions.revokedAt),
        gt(browserSessions.expiresAt, now),
        // A session made from a token lives only while that token does (revoked, rotated or expired ends it).
        or(isNull(browserSessions.sourceTokenId), and(isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)))),
      ),
    )
    .limit(1);
  const r = rows[0];
  if (!r || r.disabledAt) return null;
  if (isUnreadable(r.scopes))
    return { unreadable: `This browser session's stored scopes could not be read (${r.scopes.unreadable}), so it is refused; sign in again at /signin.` };
  return {
    workspaceId: r.workspaceId,
    kind: "user",
    userId: r.userId,
    agentId: null,
    role: (r.role as WorkspaceRole | null) ?? null,
    scopes: r.scopes,
    subject: r.subject,
    tokenId: r.id,
    expiresAt: r.expiresAt,
  };
}

/** Ends the session with this secret, if it is live; returns what it was (for audit and sockets). */
export async function revokeBrowserSession(db: Db, secretHash: string, now: number) {
  const rows = await db
    .update(browserSessions)
    .set({ revokedAt: now })
    .where(and(eq(browserSessions.secretHash, secretHash), isNull(browserSessions.revokedAt), gt(browserSessions.expiresAt, now)))
    .returning({ id: browserSessions.id, workspaceId: browserSessions.workspaceId, userId: browserSessions.userId, subject: browserSessions.subject });
  return rows[0] ?? null;
}

/** Ends every live browser session a user has in a workspace (they left it); returns their ids. */
export async function revokeUserBrowserSessions(db: Db, workspaceId: string, userId: string, now: number): Promise<string[]> {
  const rows = await db
    .update(browserSessions)
    .set({ revokedAt: now })
    .where(and(eq(browserSessions.workspaceId, workspaceId), eq(browserSessions.userId, userId), isNull(browserSessions.revokedAt)))
    .returning({ id: browserSessions.id });
  return rows.map((r) => r.id);
}

/** Ends the live browser sessions made from these tokens; returns their ids (to close their sockets). */
export async function revokeSessionsFromTokens(db: Db, tokenIds: string[], now: number): Promise<string[]> {
  if (!tokenIds.length) return [];
  const rows = await db
    .update(browserSessions)
    .set({ revokedAt: now })
    .where(and(inArray(browserSessions.sourceTokenId, tokenIds), isNull(browserSessions.revokedAt)))
    .returning({ id: browserSessions.id });
  return rows.map((r) => r.id);
}
