/**
 * Approver groups in D1: one row per (workspace, name), members and roles as JSON. Writes are
 * returned as queries so the route batches each with its audit entry. Also expands a group to the
 * user ids it names now, which is what an approval waiting on it keeps.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { ApproverGroup } from "../protocol/approver-groups";
import type { Db } from "./client";
import { approverGroups, memberships, users } from "./schema";

export async function listApproverGroups(db: Db, workspaceId: string): Promise<ApproverGroup[]> {
  const rows = await db.select().from(approverGroups).where(eq(approverGroups.workspaceId, workspaceId)).orderBy(asc(approverGroups.name));
  return rows.map(({ workspaceId: _w, ...g }) => g);
}

export async function findApproverGroup(db: Db, workspaceId: string, name: string): Promise<ApproverGroup | null> {
  const [row] = await db
    .select()
    .from(approverGroups)
    .where(and(eq(approverGroups.workspaceId, workspaceId), eq(approverGroups.name, name)));
  if (!row) return null;
  const { workspaceId: _w, ...g } = row;
  return g;
}

export function upsertApproverGroupQuery(db: Db, workspaceId: string, g: ApproverGroup) {
  return db
    .insert(approverGroups)
    .values({ workspaceId, ...g })
    .onConflictDoUpdate({
      target: [approverGroups.workspaceId, approverGroups.name],
      set: { members: g.members, roles: g.roles, updatedBy: g.updatedBy, updatedAt: g.updatedAt },
    });
}

export function deleteApproverGroupQuery(db: Db, workspaceId: string, name: string) {
  return db.delete(approverGroups).where(and(eq(approverGroups.workspaceId, workspaceId), eq(approverGroups.name, name)));
}

/** The ids among `userIds` that are not members of the workspace. */
export async function nonMembers(db: Db, workspaceId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), inArray(memberships.userId, userIds)));
  const known = new Set(rows.map((r) => r.userId));
  return userIds.filter((id) => !known.has(id));
}

/** The user ids a group names now: its members who are still in the workspace, and everyone holding one of its roles. */
export async function groupMemberIds(db: Db, workspaceId: string, g: Pick<ApproverGroup, "members" | "roles">): Promise<string[]> {
  const rows = await db.select({ userId: memberships.userId, role: memberships.role }).from(memberships).where(eq(memberships.workspaceId, workspaceId));
  const named = new Set(g.members);
  const roles = new Set<string>(g.roles);
  return rows
    .filter((r) => named.has(r.userId) || roles.has(r.role))
    .map((r) => r.userId)
    .sort();
}

/** How people are named to others (email, else name), by id, for "who may decide". */
export async function displayNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, r.email ?? r.name]));
}
