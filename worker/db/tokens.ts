/**
 * API tokens, stored only as sha256 hashes. A token resolves to its workspace and subject, or to
 * nothing when it is unknown, revoked or expired.
 */
import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "./client";
import { apiTokens, workspaces } from "./schema";

export interface TokenIdentity {
  tokenId: string;
  workspaceId: string;
  kind: "user" | "agent";
  subject: string;
  agentId: string | null;
}

export async function findToken(db: Db, tokenHash: string, now: number): Promise<TokenIdentity | null> {
  const rows = await db
    .select({
      tokenId: apiTokens.id,
      workspaceId: apiTokens.workspaceId,
      kind: apiTokens.kind,
      subject: apiTokens.subject,
      agentId: apiTokens.agentId,
    })
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

export interface NewToken {
  id: string;
  workspaceId: string;
  kind: "user" | "agent";
  name: string;
  subject: string;
  agentId?: string | null;
  tokenHash: string;
}

export async function insertWorkspace(db: Db, id: string, name: string, now: number): Promise<void> {
  await db.insert(workspaces).values({ id, name, createdAt: now }).onConflictDoNothing();
}

export async function insertToken(db: Db, t: NewToken, now: number): Promise<void> {
  await db.insert(apiTokens).values({ ...t, agentId: t.agentId ?? null, createdAt: now });
}
