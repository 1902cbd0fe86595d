/**
 * /api/approver-groups: named sets of members and roles a rule's `ask` routes a call to. Members
 * read (as they read the rules that name them); owners and admins write, each write batched with
 * its audit entry.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditEntry, auditQuery } from "../auth/audit";
import { deleteApproverGroupQuery, findApproverGroup, listApproverGroups, nonMembers, upsertApproverGroupQuery } from "../db/approver-groups";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import { ApproverGroup, ApproverGroupList, GroupName, PutApproverGroupBody } from "../protocol/approver-groups";

const tags = ["approver-groups"];
const params = z.object({ name: GroupName });

export const approverGroupsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(ApproverGroupList, "The workspace's approver groups, by name."), ...errorResponses },
    }),
    async (c) => c.json({ groups: await listApproverGroups(c.var.deps.db, c.var.auth.workspaceId) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{name}",
      tags,
      request: { params, ...jsonBody(PutApproverGroupBody) },
      responses: { 200: jsonResponse(ApproverGroup, "The group as saved (created or replaced)."), ...errorResponses },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const body = c.req.valid("json");
      const { db } = c.var.deps;
      const workspaceId = c.var.auth.workspaceId;
      const members = [...new Set(body.members)];
      const unknown = await nonMembers(db, workspaceId, members);
      if (unknown.length) throw new ApiError("BAD_REQUEST", `Not members of this workspace: ${unknown.join(", ")}. Invite them first, or name a role.`);
      const group: ApproverGroup = { name, members, roles: [...new Set(body.roles)], updatedBy: c.var.auth.subject, updatedAt: Date.now() };
      await db.batch([
        upsertApproverGroupQuery(db, workspaceId, group),
        auditQuery(c, auditEntry(c, "approver-group.put", `approver-group:${name}`, { members: group.members, roles: group.roles })),
      ]);
      return c.json(group, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{name}",
      tags,
      request: { params },
      responses: {
        200: jsonResponse(
          z.object({ deleted: z.boolean() }),
          "The group is gone (deleted: false when there was none); rules naming it route to the session's owner.",
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { db } = c.var.deps;
      // Idempotent: deleting what is already gone is no error (and no audit entry).
      if (!(await findApproverGroup(db, c.var.auth.workspaceId, name))) return c.json({ deleted: false }, 200);
      await db.batch([
        deleteApproverGroupQuery(db, c.var.auth.workspaceId, name),
        auditQuery(c, auditEntry(c, "approver-group.delete", `approver-group:${name}`)),
      ]);
      return c.json({ deleted: true }, 200);
    },
  );
