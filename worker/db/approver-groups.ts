/**
 * Approver groups in D1: one row per (workspace, name), members and roles as JSON. Writes are
 * returned as queries so the route batches each with its audit entry. Also expands a group to the
 * user ids it names now, which is what an approval waiting on it keeps.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { ApproverGroup } from "../protocol/approver-groups";
import { isUnreadable } from "./checked-json";
import type { Db } from "./client";
import { approverGroups, memberships, users } from "./schema";

/**
 * A group as listed and routed to. Stored members or roles that no longer read name nobody (never
 * "everyone"), and say why: a call routed to the group then goes to the workspace's owners and admins.
 */
function toGroup({ workspaceId: _w, members, roles, ...g }: typeof approverGroups.$inferSelect): ApproverGroup {
  if (!isUnreadable(members) && !isUnreadable(roles)) return { ...g, members, roles };
  const broken = [...(isUnreadable(members) ? [`members (${members.unreadable})`] : []), ...(isUnreadable(roles) ? [`roles (${roles.unreadable})`] : [])].join(
    " and ",
  );
  return {
    ...g,
    members: [],
    roles: [],
    unreadable: `group ${g.name}'s stored ${broken} could not be read, so it names nobody and its calls go to the owners and admins; save the group again`,
  };
}

export async function listApproverGroups(db: Db, workspaceId: string): Promise<ApproverGroup[]> {
  const rows = await db.select().from(approverGroups).where(eq(approverGroups.workspaceId, workspaceId)).orderBy(asc(approverGroups.name));
  return rows.map(toGroup);
}

export async function findApproverGroup(db: Db, workspaceId: string, name: string): Promise<ApproverGroup | null> {
  const [row] = await db
    .select()
    .from(approverGroups)
    .where(and(eq(approverGroups.workspaceId, workspaceId), eq(approverGroups.name, name)));
  return row ? toGroup(row) : null;
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
