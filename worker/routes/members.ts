/**
 * /api/members: who is in the workspace and with which role. Only owners make or unmake owners;
 * a workspace always keeps at least one owner; removing a member revokes their tokens here, and a
 * role change reaches their open sockets at once.
 */
import { auditEntry, auditQuery, recordAudit } from "../auth/audit";
import { createRoute, z } from "@hono/zod-openapi";
import { addMember, findMember, listMembers, ownerCount, removeMemberQuery, setRoleQuery } from "../db/members";
import { liveCredentialIds, revokeUserTokens } from "../db/tokens";
import { revokeUserBrowserSessions } from "../db/browser-sessions";
import { workspaceHub } from "../rooms";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { can } from "../domain/policy";
import { ApiError } from "../protocol/errors";
import { UserId } from "../protocol/ids";
import { AddMemberBody, Member, PatchMemberBody } from "../protocol/members";

const tags = ["members"];
const Param = z.object({ userId: UserId });

export const members = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(z.object({ members: z.array(Member) }), "Members and their roles."), ...errorResponses },
    }),
    async (c) => {
      const actor = c.var.auth;
      // Emails are for those who administer membership; everyone else sees names, roles and their own email.
      const seesEmails = can(actor, "member.manage").ok;
      const all = await listMembers(c.var.deps.db, actor.workspaceId);
      return c.json({ members: all.map((m) => (seesEmails || m.userId === actor.userId ? m : { ...m, email: null })) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(AddMemberBody),
      responses: { 201: jsonResponse(Member, "The member."), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.var.auth;
      if (body.role === "owner" && actor.role !== "owner") throw new ApiError("FORBIDDEN", "Only an owner can make someone an owner.");
      const member = await addMember(c.var.deps.db, actor.workspaceId, body, Date.now());
      await recordAudit(c, "member.add", member.userId, { role: member.role });
      return c.json(member, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{userId}",
      tags,
      request: { params: Param, ...jsonBody(PatchMemberBody) },
      responses: { 200: jsonResponse(Member, "The member with the new role."), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { role } = c.req.valid("json");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const member = await findMember(db, actor.workspaceId, userId);
      if (!member) throw new ApiError("NOT_FOUND", `${userId} is not a member of this workspace.`);
      if ((member.role === "owner" || role === "owner") && actor.role !== "owner") throw new ApiError("FORBIDDEN", "Only an owner can make or unmake owners.");
      if (member.role === "owner" && role !== "owner" && (await ownerCount(db, actor.workspaceId)) <= 1) {
        throw new ApiError("CONFLICT", "This is the workspace's last owner; make someone else owner first.");
      }
      await db.batch([setRoleQuery(db, actor.workspaceId, userId, role), auditQuery(c, auditEntry(c, "member.role", userId, { from: member.role, to: role }))]);
      // Their open sockets take the new role now, not when they next connect.
      await (await workspaceHub(c.env, actor.workspaceId)).reauthorize(await liveCredentialIds(db, actor.workspaceId, userId), role);
      return c.json({ ...member, role }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{userId}",
      tags,
      request: { params: Param },
      responses: { 200: jsonResponse(z.object({ removed: z.literal(true) }), "Removed, and their tokens here revoked."), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const member = await findMember(db, actor.workspaceId, userId);
      if (!member) throw new ApiError("NOT_FOUND", `${userId} is not a member of this workspace.`);
      if (member.role === "owner" && actor.role !== "owner") throw new ApiError("FORBIDDEN", "Only an owner can remove an owner.");
      if (member.role === "owner" && (await ownerCount(db, actor.workspaceId)) <= 1) throw new ApiError("CONFLICT", "This is the workspace's last owner.");
      await db.batch([removeMemberQuery(db, actor.workspaceId, userId), auditQuery(c, auditEntry(c, "member.remove", userId, { role: member.role }))]);
      const now = Date.now();
      const revoked = [
        ...(await revokeUserTokens(db, actor.workspaceId, userId, now)),
        ...(await revokeUserBrowserSessions(db, actor.workspaceId, userId, now)),
      ];
      await (await workspaceHub(c.env, actor.workspaceId)).revoke(revoked);
      return c.json({ removed: true as const }, 200);
    },
  );
