/** Invitations in D1: create, list, revoke, and accept once (conditionally, so a code works once). */
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Invitation } from "../protocol/enrollment";
import type { Db } from "./client";
import { invitations } from "./schema";

const publicColumns = {
  id: invitations.id,
  email: invitations.email,
  role: invitations.role,
  createdBy: invitations.createdBy,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
  acceptedAt: invitations.acceptedAt,
  acceptedBy: invitations.acceptedBy,
  revokedAt: invitations.revokedAt,
};

/** The insert, to batch with its audit entry. */
export function insertInvitationQuery(db: Db, row: typeof invitations.$inferInsert) {
  return db.insert(invitations).values(row);
}

export async function listInvitations(db: Db, workspaceId: string): Promise<Invitation[]> {
  return (await db
    .select(publicColumns)
    .from(invitations)
    .where(eq(invitations.workspaceId, workspaceId))
    .orderBy(desc(invitations.createdAt))) as Invitation[];
}

export async function getInvitation(db: Db, workspaceId: string, id: string): Promise<Invitation | null> {
  const rows = await db
    .select(publicColumns)
    .from(invitations)
    .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.id, id)))
    .limit(1);
  return (rows[0] as Invitation | undefined) ?? null;
}

export async function revokeInvitation(db: Db, workspaceId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .update(invitations)
    .set({ revokedAt: now })
    .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.id, id), isNull(invitations.revokedAt), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  return r.length > 0;
}

/** Takes a live invitation by its code hash for `acceptedBy`; null if unknown, used, revoked or expired. */
export async function claimInvitation(db: Db, codeHash: string, acceptedBy: string, now: number) {
  const r = await db
    .update(invitations)
    .set({ acceptedAt: now, acceptedBy })
    .where(and(eq(invitations.codeHash, codeHash), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)))
    .returning();
  return r[0] ?? null;
}

export async function invitationByCode(db: Db, codeHash: string) {
  return (await db.select().from(invitations).where(eq(invitations.codeHash, codeHash)).limit(1))[0] ?? null;
}

/** Gives back a claim whose account could not be written, so the link still works for its person. */
export async function releaseInvitation(db: Db, id: string, claimedAt: number): Promise<void> {
  await db
    .update(invitations)
    .set({ acceptedAt: null, acceptedBy: null })
    .where(and(eq(invitations.id, id), eq(invitations.acceptedAt, claimedAt)));
}
