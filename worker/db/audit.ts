/**
 * Appending to and reading the audit log. An entry is first written to `audit_pending` with a plain
 * insert (no read of the chain, so no contention), in the same batch as the action it records
 * (`auditInsertQuery`); the workspace's one sealer (`sealPending`, run by its WorkspaceHub) then
 * chains pending entries into `audit_log` in id order, with a signed checkpoint in the same batch.
 */
import { and, asc, desc, eq, getTableColumns, gt, gte, lte, sql } from "drizzle-orm";
import { GENESIS, entryHash, type AuditContent, type ChainedEntry, type Checkpoint } from "../domain/audit-chain";
import type { Actor } from "../domain/policy";
import type { AuditEntry, AuditQuery } from "../protocol/members";
import type { Db } from "./client";
import { auditCheckpoints, auditLog, auditPending, auditSources } from "./schema";

export type NewAuditEntry = Omit<AuditContent, "seq" | "at"> & { at?: number };

export function auditActor(actor: Actor): Pick<AuditContent, "actor" | "actorKind"> {
  return { actor: actor.userId ? `${actor.subject} (${actor.userId})` : actor.subject, actorKind: actor.kind };
}

/** The insert of one entry, to put in the batch that performs the action it records. */
export function auditInsertQuery(db: Db, entry: NewAuditEntry) {
  return db.insert(auditPending).values({ ...entry, at: entry.at ?? Date.now() });
}

/**
 * The insert of one entry that may be delivered more than once (a room's outbox retries until D1
 * answers): `source` names where it came from, and an entry whose source was written before is
 * skipped, even after sealing moved it out of audit_pending. Both statements go in one batch, in order.
 * The room's outbox runs its prepared twin (mirror.ts); test/worker/db-mirror.test.ts holds them equal.
 */
export function auditInsertOnceQueries(db: Db, source: string, entry: NewAuditEntry) {
  // Bound in the table's own column order (an insert from a select takes every column, the id as NULL).
  const values: Record<string, unknown> = { ...entry, id: null, at: entry.at ?? Date.now(), details: JSON.stringify(entry.details) };
  const row = sql.join(
    Object.keys(getTableColumns(auditPending)).map((k) => sql`${values[k] ?? null}`),
    sql`, `,
  );
  return [
    db
      .insert(auditPending)
      .select(sql`SELECT ${row} WHERE NOT EXISTS (SELECT 1 FROM ${auditSources} WHERE workspace_id = ${entry.workspaceId} AND source = ${source})`),
    db.insert(auditSources).values({ workspaceId: entry.workspaceId, source }).onConflictDoNothing(),
  ] as const;
}

/** Writes one entry on its own (when the action is not a D1 write of this request). */
export async function appendAudit(db: Db, entry: NewAuditEntry): Promise<void> {
  await auditInsertQuery(db, entry);
}

const SEAL_PAGE = 100;

/**
 * Chains the workspace's pending entries into the log, a page at a time, each page in one batch with
 * its signed checkpoint. IMPORTANT: only the workspace's sealer may call this (one writer per chain).
 * Returns the chain's head afterwards.
 */
export async function sealPending(
  db: Db,
  workspaceId: string,
  sign: (seq: number, hash: string) => Promise<string>,
  /** The head the sealer knows it wrote; D1's own last entry is trusted only for a chain never anchored. */
  from: { seq: number; hash: string } | null,
): Promise<{ seq: number; hash: string }> {
  const last = from
    ? []
    : await db
        .select({ seq: auditLog.seq, hash: auditLog.hash })
        .from(auditLog)
        .where(eq(auditLog.workspaceId, workspaceId))
        .orderBy(desc(auditLog.seq))
        .limit(1);
  let head = from ?? { seq: last[0]?.seq ?? 0, hash: last[0]?.hash ?? GENESIS };
  for (;;) {
    const pending = await db.select().from(auditPending).where(eq(auditPending.workspaceId, workspaceId)).orderBy(asc(auditPending.id)).limit(SEAL_PAGE);
    if (!pending.length) return head;
    const rows: ChainedEntry[] = [];
    for (const { id: _id, ...p } of pending) {
      const content: AuditContent = { ...p, seq: head.seq + 1 };
      const hash = await entryHash(content, head.hash);
      rows.push({ ...content, prevHash: head.hash, hash });
      head = { seq: content.seq, hash };
    }
    const mac = await sign(head.seq, head.hash);
    // One insert per entry (D1 binds at most 100 parameters per statement); pending ids only grow, so
    // "up to the last one read" is exactly the page.
    await db.batch([
      db.insert(auditCheckpoints).values({ workspaceId, seq: head.seq, hash: head.hash, mac, at: Date.now() }),
      db.delete(auditPending).where(and(eq(auditPending.workspaceId, workspaceId), lte(auditPending.id, pending.at(-1)!.id))),
      ...rows.map((r) => db.insert(auditLog).values(r)),
    ]);
  }
}

export async function latestCheckpoint(db: Db, workspaceId: string): Promise<Checkpoint | null> {
  const rows = await db
    .select({ seq: auditCheckpoints.seq, hash: auditCheckpoints.hash, mac: auditCheckpoints.mac })
    .from(auditCheckpoints)
    .where(eq(auditCheckpoints.workspaceId, workspaceId))
    .orderBy(desc(auditCheckpoints.seq))
    .limit(1);
  return rows[0] ?? null;
}

export async function listCheckpoints(db: Db, workspaceId: string): Promise<Checkpoint[]> {
  return db
    .select({ seq: auditCheckpoints.seq, hash: auditCheckpoints.hash, mac: auditCheckpoints.mac })
    .from(auditCheckpoints)
    .where(eq(auditCheckpoints.workspaceId, workspaceId))
    .orderBy(asc(auditCheckpoints.seq));
}

export async function listAudit(db: Db, workspaceId: string, q: AuditQuery): Promise<AuditEntry[]> {
  const filters = [eq(auditLog.workspaceId, workspaceId), gt(auditLog.seq, q.after)];
  if (q.action) filters.push(eq(auditLog.action, q.action));
  if (q.actor) filters.push(eq(auditLog.actor, q.actor));
  if (q.target) filters.push(eq(auditLog.target, q.target));
  if (q.since !== undefined) filters.push(gte(auditLog.at, q.since));
  if (q.until !== undefined) filters.push(lte(auditLog.at, q.until));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(asc(auditLog.seq))
    .limit(q.limit);
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
