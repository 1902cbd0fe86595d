/**
 * Idempotency keys of session launches, in D1. A client that lost the reply to POST /api/sessions (or
 * got a 5xx from a write after the session was created) retries with the same `Idempotency-Key` and
 * gets the same session back, never a second launch. A key is the caller's own (workspace + subject)
 * and lives for IDEMPOTENCY_WINDOW_MS; the same key with a different request is refused.
 */
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "./client";
import { idempotencyKeys } from "./schema";

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export type KeyClaim = { kind: "new" | "replay"; sessionId: string } | { kind: "mismatch"; createdAt: number };

/**
 * Takes `key` for this caller's request, or finds who holds it. One batch: this caller's expired keys
 * are forgotten first, then the key is inserted unless a live one holds it, then read back; `fresh` is
 * the session id to use if the key is new.
 */
export async function claimKey(
  db: Db,
  caller: { workspaceId: string; subject: string },
  key: string,
  requestSha256: string,
  fresh: string,
  now: number,
): Promise<KeyClaim> {
  const mine = and(eq(idempotencyKeys.workspaceId, caller.workspaceId), eq(idempotencyKeys.subject, caller.subject));
  const [, , rows] = await db.batch([
    db.delete(idempotencyKeys).where(and(mine, lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_WINDOW_MS))),
    db
      .insert(idempotencyKeys)
      .values({ ...caller, key, requestSha256, sessionId: fresh, createdAt: now })
      .onConflictDoNothing(),
    db
      .select()
      .from(idempotencyKeys)
      .where(and(mine, eq(idempotencyKeys.key, key)))
      .limit(1),
  ]);
  const row = rows[0];
  if (!row) throw new Error(`idempotency key ${key} was neither taken nor found`);
  if (row.requestSha256 !== requestSha256) return { kind: "mismatch", createdAt: row.createdAt };
  return { kind: row.sessionId === fresh ? "new" : "replay", sessionId: row.sessionId };
}
