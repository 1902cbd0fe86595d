/**
 * Passkey registration challenges: issued with the options, kept server-side for a few minutes, and
 * consumed by the one registration that answers them, so a stale or replayed registration finds none.
 */
import { and, eq, gt, lt } from "drizzle-orm";
import type { Db } from "./client";
import { webauthnChallenges } from "./schema";

export async function putChallenge(db: Db, row: typeof webauthnChallenges.$inferInsert, now: number): Promise<void> {
  // Expired ones go as new ones come: the table holds only what is still being answered.
  await db.batch([db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now)), db.insert(webauthnChallenges).values(row)]);
}

/** Deletes and returns the caller's live challenge `challenge`; null when there is none (unknown, someone else's, expired or used). */
export async function consumeChallenge(db: Db, workspaceId: string, userId: string, challenge: string, now: number): Promise<string | null> {
  const rows = await db
    .delete(webauthnChallenges)
    .where(
      and(
        eq(webauthnChallenges.id, challenge),
        eq(webauthnChallenges.workspaceId, workspaceId),
        eq(webauthnChallenges.userId, userId),
        gt(webauthnChallenges.expiresAt, now),
      ),
    )
    .returning({ challenge: webauthnChallenges.challenge });
  return rows[0]?.challenge ?? null;
}
