/**
 * External identities (an OIDC issuer's `sub`, a GitHub user id) and the accounts they sign in
 * to. `provision` writes a new user, identity and membership in one batch, so a first sign-in
 * never leaves a user without the identity that reaches it, or the reverse.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "./client";
import { auditLog, auditPending, identities, memberships, users } from "./schema";

export type Provider = "oidc" | "github";

export async function findIdentityUser(db: Db, provider: Provider, issuer: string, subject: string): Promise<string | null> {
  const rows = await db
    .select({ userId: identities.userId })
    .from(identities)
    .where(and(eq(identities.provider, provider), eq(identities.issuer, issuer), eq(identities.subject, subject)))
    .limit(1);
  return rows[0]?.userId ?? null;
}

export async function accountById(db: Db, userId: string) {
  return (
    (
      await db.select({ id: users.id, name: users.name, email: users.email, disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).limit(1)
    )[0] ?? null
  );
}

export async function accountByEmail(db: Db, email: string) {
  return (
    (
      await db
        .select({ id: users.id, name: users.name, email: users.email, disabledAt: users.disabledAt })
        .from(users)
        .where(eq(users.email, email.toLowerCase()))
        .limit(1)
    )[0] ?? null
  );
}

export async function workspaceIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await db.select({ id: memberships.workspaceId }).from(memberships).where(eq(memberships.userId, userId))).map((r) => r.id);
}

/** Whether an admin removed this user from the workspace at some point (the audit log remembers). */
export async function wasRemoved(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  // The removal's entry may not be chained yet (audit_pending until the workspace's sealer runs).
  const [chained, pending] = await db.batch([
    db
      .select({ seq: auditLog.seq })
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, workspaceId), eq(auditLog.action, "member.remove"), eq(auditLog.target, userId)))
      .limit(1),
    db
      .select({ id: auditPending.id })
      .from(auditPending)
      .where(and(eq(auditPending.workspaceId, workspaceId), eq(auditPending.action, "member.remove"), eq(auditPending.target, userId)))
      .limit(1),
  ]);
  return chained.length > 0 || pending.length > 0;
}

export interface Provision {
  user?: { id: string; email: string | null; name: string };
  identity?: { provider: Provider; issuer: string; subject: string; userId: string; email: string | null };
  membership?: { workspaceId: string; userId: string; role: "owner" | "admin" | "member" | "viewer" };
}

export async function provision(db: Db, p: Provision, now: number): Promise<void> {
  const writes = [
    ...(p.user ? [db.insert(users).values({ ...p.user, createdAt: now })] : []),
    ...(p.identity ? [db.insert(identities).values({ ...p.identity, createdAt: now })] : []),
    ...(p.membership
      ? [
          db
            .insert(memberships)
            .values({ ...p.membership, createdAt: now })
            .onConflictDoNothing(),
        ]
      : []),
  ];
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
}
