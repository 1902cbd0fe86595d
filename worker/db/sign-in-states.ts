/**
 * Browser sign-ins in flight. A state is taken at most once (a conditional update), and only
 * before it expires, so a replayed or stale `state` finds nothing.
 */
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "./client";
import { signInStates } from "./schema";

export type SignInState = typeof signInStates.$inferSelect;

export async function insertSignInState(db: Db, row: typeof signInStates.$inferInsert): Promise<void> {
  // Finished and abandoned flows are worthless after they expire; sweep a few on each start.
  await db.batch([db.delete(signInStates).where(lt(signInStates.expiresAt, row.createdAt - 3600_000)), db.insert(signInStates).values(row)]);
}

export async function takeSignInState(db: Db, stateHash: string, provider: SignInState["provider"], now: number): Promise<SignInState | null> {
  const rows = await db
    .update(signInStates)
    .set({ usedAt: now })
    .where(and(eq(signInStates.stateHash, stateHash), eq(signInStates.provider, provider), isNull(signInStates.usedAt), gt(signInStates.expiresAt, now)))
    .returning();
  return rows[0] ?? null;
}
