/**
 * API tokens, stored only as sha256 hashes. A token resolves to an Actor (its workspace, user and
 * role there, scopes), or to nothing when it is unknown, revoked, expired, or its user is disabled.
 */
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import type { Actor, WorkspaceRole } from "../domain/policy";
import { isUnreadable, type Unreadable } from "./checked-json";
import type { Db } from "./client";
import { apiTokens, browserSessions, memberships, users, workspaces } from "./schema";

/** Why a credential whose stored scopes no longer read is refused: it could be granted anything, so it is granted nothing. */
export const scopesUnreadable = (why: string) =>
  `This token's stored scopes could not be read (${why}), so it is refused. Make a new token (Settings → Tokens, or tower login) and revoke this one.`;

/** The credential, or `unreadable` when its stored scopes no longer read (the caller refuses it, saying so). */
export async function findActor(db: Db, tokenHash: string, now: number): Promise<Actor | Unreadable | null> {
  const rows = await db
    .select({
      tokenId: apiTokens.id,
      workspaceId: apiTokens.workspaceId,
      kind: apiTokens.kind,
      subject: apiTokens.subject,
      agentId: apiTokens.agentId,
      userId: apiTokens.userId,
      scopes: apiTokens.scopes,
      expiresAt: apiTokens.expiresAt,
      role: memberships.role,
      disabledAt: users.disabledAt,
    })
    .from(apiTokens)
    .leftJoin(memberships, and(eq(memberships.workspaceId, apiTokens.workspaceId), eq(memberships.userId, apiTokens.userId)))
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))))
    .limit(1);
  const r = rows[0];
  if (!r || r.disabledAt) return null;
  if (isUnreadable(r.scopes)) return { unreadable: scopesUnreadable(r.scopes.unreadable) };
  return {
    workspaceId: r.workspaceId,
    kind: r.kind,
    userId: r.userId,
    agentId: r.agentId,
    role: (r.role as WorkspaceRole | null) ?? null,
    scopes: r.scopes,
    subject: r.subject,
    tokenId: r.tokenId,
    expiresAt: r.expiresAt ?? null,
  };
}

export interface NewToken {
  id: string;
  workspaceId: string;
  kind: "user" | "agent";
  name: string;
  subject: string;
  agentId?: string | null;
  userId?: string | null;
  scopes?: string[];
  expiresAt?: number | null;
  rotatedFrom?: string | null;
  tokenHash: string;
}

export async function insertWorkspace(db: Db, id: string, name: string, now: number): Promise<void> {
  await db.insert(workspaces).values({ id, name, createdAt: now }).onConflictDoNothing();
}

export function insertTokenQuery(db: Db, t: NewToken, now: number) {
  return db.insert(apiTokens).values({
    ...t,
    agentId: t.agentId ?? null,
    userId: t.userId ?? null,
    scopes: t.scopes ?? ["*"],
    expiresAt: t.expiresAt ?? null,
    rotatedFrom: t.rotatedFrom ?? null,
    createdAt: now,
  });
}

export async function insertToken(db: Db, t: NewToken, now: number): Promise<void> {
  await insertTokenQuery(db, t, now);
}

const publicColumns = {
  id: apiTokens.id,
  kind: apiTokens.kind,
  name: apiTokens.name,
  subject: apiTokens.subject,
  userId: apiTokens.userId,
  agentId: apiTokens.agentId,
  scopes: apiTokens.scopes,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  revokedAt: apiTokens.revokedAt,
  rotatedFrom: apiTokens.rotatedFrom,
};

/** Tokens of the workspace (never their hashes), optionally only one user's. */
export async function listTokens(db: Db, workspaceId: string, userId: string | null) {
  const filters = [eq(apiTokens.workspaceId, workspaceId)];
  if (userId) filters.push(eq(apiTokens.userId, userId));
  const rows = await db
    .select(publicColumns)
    .from(apiTokens)
    .where(and(...filters))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(publicToken);
}

/** A token as the API shows it: stored scopes that no longer read are said, and shown as none (it is refused). */
function publicToken<T extends { scopes: string[] | Unreadable }>({ scopes, ...t }: T): Omit<T, "scopes"> & { scopes: string[]; scopesUnreadable?: string } {
  return isUnreadable(scopes) ? { ...t, scopes: [] as string[], scopesUnreadable: scopesUnreadable(scopes.unreadable) } : { ...t, scopes };
}

export async function getToken(db: Db, workspaceId: string, id: string) {
  const rows = await db
    .select(publicColumns)
    .from(apiTokens)
    .where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.id, id)))
    .limit(1);
  return rows[0] ? publicToken(rows[0]) : null;
}

/** Revokes a token that is still live; true if this call revoked it. */
export function revokeTokenQuery(db: Db, id: string, now: number) {
  return db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
}

/** Revokes every live token a user holds in a workspace (they left it); returns their ids. */
export async function revokeUserTokens(db: Db, workspaceId: string, userId: string, now: number): Promise<string[]> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.map((r) => r.id);
}

/** The ids of a member's live tokens and browser sessions here: what their open sockets were opened with. */
export async function liveCredentialIds(db: Db, workspaceId: string, userId: string): Promise<string[]> {
  const [tokens, browsers] = await db.batch([
    db
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))),
    db
      .select({ id: browserSessions.id })
      .from(browserSessions)
      .where(and(eq(browserSessions.workspaceId, workspaceId), eq(browserSessions.userId, userId), isNull(browserSessions.revokedAt))),
  ]);
  return [...tokens, ...browsers].map((r) => r.id);
}
