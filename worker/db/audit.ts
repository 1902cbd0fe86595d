/**
 * Appending to and reading the audit log. Appends are optimistic: read the workspace's last entry,
 * chain to it, insert at the next seq; if another writer took that seq first (primary key), read
 * again and retry. So the chain never forks, whichever Worker or room writes.
 */
import { and, asc, desc, eq, gt, gte, lte } from "drizzle-orm";
import { GENESIS, entryHash, type AuditContent, type ChainedEntry } from "../domain/audit-chain";
import type { Actor } from "../domain/policy";
import type { AuditEntry, AuditQuery } from "../protocol/members";
import type { Db } from "./client";
import { auditLog } from "./schema";

export type NewAuditEntry = Omit<AuditContent, "seq" | "at"> & { at?: number };

export function auditActor(actor: Actor): Pick<AuditContent, "actor" | "actorKind"> {
  return { actor: actor.userId ? `${actor.subject} (${actor.userId})` : actor.subject, actorKind: actor.kind };
}

const MAX_ATTEMPTS = 50;

/** True if the error (or one it wraps) is a primary-key clash: another writer took this seq. */
function isSeqTaken(e: unknown): boolean {
  for (let cur: unknown = e; cur instanceof Error; cur = cur.cause) if (/UNIQUE constraint failed: audit_log/.test(cur.message)) return true;
  return false;
}

export async function appendAudit(db: Db, entry: NewAuditEntry): Promise<ChainedEntry> {
  for (let attempt = 0; ; attempt++) {
    const last = await db
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .where(eq(auditLog.workspaceId, entry.workspaceId))
      .orderBy(desc(auditLog.seq))
      .limit(1);
    const content: AuditContent = { ...entry, seq: (last[0]?.seq ?? 0) + 1, at: entry.at ?? Date.now() };
    const prevHash = last[0]?.hash ?? GENESIS;
    const row: ChainedEntry = { ...content, prevHash, hash: await entryHash(content, prevHash) };
    try {
      await db.insert(auditLog).values(row);
      return row;
    } catch (e) {
      if (attempt >= MAX_ATTEMPTS || !isSeqTaken(e)) throw e;
      // Each round has a winner; a little jitter keeps the losers from colliding in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 5));
    }
  }
}

export async function listAudit(db: Db, workspaceId: string, q: AuditQuery): Promise<AuditEntry[]> {
  const filters = [eq(auditLog.workspaceId, workspaceId), gt(auditLog.seq, q.after)];
  if (q.action) filters.push(eq(auditLog.action, q.action));
  if (q.actor) filters.push(eq(auditLog.actor, q.actor));
  if (q.target) filters.push(eq(auditLog.target, q.target));
  if (q.since !== undefined) filters.push(gte(auditLog.at, q.since));
  if (q.until !== undefined) filters.push(lte(auditLog.at, q.until));
  const rows = await db.select().from(auditLog).where(and(...filters)).orderBy(asc(auditLog.seq)).limit(q.limit);
  // `details` was written from JSON-serialisable objects, so it reads back as JSON values.
  return rows as AuditEntry[];
}

/** Every entry of the workspace in order, a page at a time (for export and verification). */
export async function* allAudit(db: Db, workspaceId: string, pageSize = 500): AsyncGenerator<ChainedEntry[]> {
  let after = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, workspaceId), gt(auditLog.seq, after)))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    if (page.length === 0) return;
    yield page;
    after = page.at(-1)!.seq;
  }
}
