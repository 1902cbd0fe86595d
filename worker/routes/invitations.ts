/**
 * /api/invitations: invite people by link. An admin creates one (optionally for one email, with a
 * role and an expiry); the link is accepted once, by a newcomer (a new account) or by the signed-in
 * person it was meant for (worker/auth/invitation-accept.ts). Accepting is public (the link is the
 * credential) and rate limited per address.
 */
import { auditEntry, auditQuery, recordAudit } from "../auth/audit";
import { createRoute, z } from "@hono/zod-openapi";
import { getInvitation, insertInvitationQuery, listInvitations, revokeInvitation } from "../db/invitations";
import { acceptInvitation } from "../auth/invitation-accept";
import { identify } from "../auth/middleware";
import { insertTokenQuery } from "../db/tokens";
import { limitSignIns } from "../auth/rate-limit";
import { newSecret } from "../domain/user-code";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { AcceptInvitationBody, AcceptedInvitation, CreateInvitationBody, Invitation, IssuedInvitation } from "../protocol/enrollment";
import { ApiError } from "../protocol/errors";
import { InvitationId, newId, type UserId, type WorkspaceId } from "../protocol/ids";
import { hashToken, mintToken } from "../protocol/tokens";

const tags = ["invitations"];
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

export const invitations = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(z.object({ invitations: z.array(Invitation) }), "Invitations, newest first."), ...errorResponses },
    }),
    async (c) => c.json({ invitations: await listInvitations(c.var.deps.db, c.var.auth.workspaceId) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(CreateInvitationBody),
      responses: { 201: jsonResponse(IssuedInvitation, "The invitation; its link is shown only here."), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const code = newSecret("inv_");
      const id = newId("inv");
      const now = Date.now();
      await db.batch([
        insertInvitationQuery(db, {
          id,
          workspaceId: actor.workspaceId,
          codeHash: await hashToken(code),
          email: body.email?.toLowerCase() ?? null,
          role: body.role,
          createdBy: actor.subject,
          createdAt: now,
          expiresAt: now + body.expiresInHours * HOUR,
        }),
        auditQuery(c, auditEntry(c, "invitation.create", id, { role: body.role, email: body.email ?? null })),
      ]);
      const url = `${new URL(c.req.url).origin}/join#${code}`;
      return c.json({ invitation: (await getInvitation(db, actor.workspaceId, id))!, code, url }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      request: { params: z.object({ id: InvitationId }) },
      responses: { 200: jsonResponse(Invitation, "Revoked."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      if (!(await revokeInvitation(db, actor.workspaceId, id, Date.now()))) throw new ApiError("NOT_FOUND", `No open invitation ${id}.`);
      await recordAudit(c, "invitation.revoke", id, {});
      return c.json((await getInvitation(db, actor.workspaceId, id))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/accept",
      tags,
      request: jsonBody(AcceptInvitationBody),
      responses: { 200: jsonResponse(AcceptedInvitation, "Welcome: your token, shown once."), ...errorResponses },
    }),
    async (c) => {
      await limitSignIns(c);
      const { code, name, email } = c.req.valid("json");
      const { db } = c.var.deps;
      const signedIn = (await identify(c))?.actor;
      const now = Date.now();
      const j = await acceptInvitation(db, await hashToken(code), signedIn ? { signedIn } : { name, email }, now);
      const token = mintToken();
      await db.batch([
        insertTokenQuery(
          db,
          {
            id: newId("tok"),
            workspaceId: j.workspaceId,
            kind: "user",
            name: "invitation",
            subject: j.subject,
            userId: j.userId,
            scopes: j.scopes,
            expiresAt: now + 90 * DAY,
            tokenHash: await hashToken(token),
          },
          now,
        ),
        auditQuery(c, {
          workspaceId: j.workspaceId,
          actor: `${j.subject} (${j.userId})`,
          actorKind: "user",
          via: "invitation",
          action: "invitation.accept",
          target: j.invitationId,
          details: { userId: j.userId, role: j.role, existingAccount: !!signedIn },
        }),
      ]);
      return c.json({ token, workspaceId: j.workspaceId as WorkspaceId, userId: j.userId as UserId, role: j.role }, 200);
    },
  );
