/**
 * Approver groups on the wire: a named set of workspace members and/or roles that a rule's `ask`
 * routes a tool call to (`decide_by: group:<name>`). Membership is resolved when a call starts
 * waiting and kept on its approval, so a room never reads a group per decision.
 */
import { z } from "zod";
import { WorkspaceRole } from "./members";

export const GroupName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a group name: lowercase letters, digits, '.', '_' or '-', at most 64");

export const PutApproverGroupBody = z
  .object({
    members: z.array(z.string().min(1).max(100)).max(200).default([]),
    roles: z.array(WorkspaceRole).max(4).default([]),
  })
  .refine((g) => g.members.length + g.roles.length > 0, { message: "a group needs at least one member or role" });
export type PutApproverGroupBody = z.infer<typeof PutApproverGroupBody>;

/** A group's members and roles as stored: read back through these (worker/db/checked-json.ts). */
export const StoredGroupMembers = z.array(z.string());
export const StoredGroupRoles = z.array(WorkspaceRole);

export const ApproverGroup = z.object({
  name: GroupName,
  members: z.array(z.string()),
  roles: z.array(WorkspaceRole),
  updatedBy: z.string(),
  updatedAt: z.number().int(),
  /** Why the stored members or roles no longer read: the group then names nobody (calls go to owners and admins). */
  unreadable: z.string().optional(),
});
export type ApproverGroup = z.infer<typeof ApproverGroup>;

export const ApproverGroupList = z.object({ groups: z.array(ApproverGroup) });
