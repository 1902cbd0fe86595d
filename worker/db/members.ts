/**
 * Users and their memberships: who belongs to a workspace and with which role. Kept in one place
 * so the rule "a workspace always keeps an owner" is enforced where roles change.
 */
import { and, count, eq, sql } from "drizzle-orm";
import type { Actor } from "../domain/policy";
import type { Me, Member, WorkspaceRole } from "../protocol/members";
import { newId } from "../protocol/ids";
import type { Db } from "./client";
import { memberships, users, workspaces } from "./schema";

const memberColumns = { userId: users.id, name: users.name, email: users.email, role: memberships.role, createdAt: memberships.createdAt };

export async function listMembers(db: Db, workspaceId: string): Promise<Member[]> {
  const rows = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(users.name);
  return rows as Member[];
}

export async function findMember(db: Db, workspaceId: string, userId: string): Promise<Member | null> {
  const rows = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .limit(1);
  return (rows[0] as Member | undefined) ?? null;
}

/** Adds a member by email, creating the user if Tower has not seen that email before. */
export async function addMember(db: Db, workspaceId: string, m: { name: string; email: string; role: WorkspaceRole }, now: number): Promise<Member> {
  const email = m.email.toLowerCase();
  await db
    .insert(users)
    .values({ id: newId("usr"), email, name: m.name, createdAt: now })
    .onConflictDoNothing({ target: users.email });
  const user = (await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1))[0]!;
  await db.insert(memberships).values({ workspaceId, userId: user.id, role: m.role, createdAt: now }).onConflictDoNothing();
  return (await findMember(db, workspaceId, user.id))!;
}

/**
 * A new account for a newcomer, with its first membership, in one batch. Null when the email
 * already belongs to an account: that person must sign in and accept as themselves.
 */
export async function createAccount(db: Db, workspaceId: string, m: { name: string; email: string; role: WorkspaceRole }, now: number): Promise<Member | null> {
  const email = m.email.toLowerCase();
  const userId = newId("usr");
  const [inserted] = await db.batch([
    db.insert(users).values({ id: userId, email, name: m.name, createdAt: now }).onConflictDoNothing({ target: users.email }).returning({ id: users.id }),
    // Guarded by the user row this batch just made, so a clash leaves no membership behind.
    db.insert(memberships).select(
      db
        .select({
          workspaceId: sql`${workspaceId}`.as("workspace_id"),
          userId: users.id,
          role: sql`${m.role}`.as("role"),
          createdAt: sql`${now}`.as("created_at"),
        })
        .from(users)
        .where(and(eq(users.id, userId))),
    ),
  ]);
  return inserted.length ? findMember(db, workspaceId, userId) : null;
}

/** Adds an existing user to a workspace; false when they already belong to it (their role is kept). */
export async function joinWorkspace(db: Db, workspaceId: string, userId: string, role: WorkspaceRole, now: number): Promise<boolean> {
  const r = await db.insert(memberships).values({ workspaceId, userId, role, createdAt: now }).onConflictDoNothing().returning({ userId: memberships.userId });
  return r.length > 0;
}

export async function ownerCount(db: Db, workspaceId: string): Promise<number> {
  const r = await db
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, "owner")));
  return r[0]?.n ?? 0;
}

/** The role change, to batch with its audit entry. */
export function setRoleQuery(db: Db, workspaceId: string, userId: string, role: WorkspaceRole) {
  return db
    .update(memberships)
    .set({ role })
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
}

/** The removal, to batch with its audit entry. */
export function removeMemberQuery(db: Db, workspaceId: string, userId: string) {
  return db.delete(memberships).where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
}

/** Every workspace a user belongs to, with their role there. */
export async function workspacesOf(db: Db, userId: string) {
  return db
    .select({ workspaceId: memberships.workspaceId, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(workspaces.name);
}

export async function getUser(db: Db, userId: string) {
  return (await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, userId)).limit(1))[0] ?? null;
}

/** What /api/me answers for an actor: the user, and every workspace they belong to. */
export async function meOf(db: Db, actor: Actor): Promise<Me> {
  const user = actor.userId ? await getUser(db, actor.userId) : null;
  const workspaces = actor.userId ? await workspacesOf(db, actor.userId) : [];
  return { user, workspaceId: actor.workspaceId, role: actor.role, scopes: [...actor.scopes], workspaces };
}
