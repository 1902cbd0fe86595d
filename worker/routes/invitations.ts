/**
 * /api/invitations: invite people by link. An admin creates one (optionally for one email, with a
 * role and an expiry); whoever opens the link accepts it once and gets a member account and a token.
 * Accepting is public (the link is the credential) and rate limited per address.
 */
import { recordAudit } from "../auth/audit";
import { createRoute, z } from "@hono/zod-openapi";
import { appendAudit } from "../db/audit";
import { claimInvitation, getInvitation, insertInvitation, invitationByCode, listInvitations, revokeInvitation } from "../db/invitations";
import { addMember } from "../db/members";
import { insertToken } from "../db/tokens";
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
    createRoute({ method: "get", path: "/", tags, responses: { 200: jsonResponse(z.object({ invitations: z.array(Invitation) }), "Invitations, newest first."), ...errorResponses } }),
    async (c) => c.json({ invitations: await listInvitations(c.var.deps.db, c.var.auth.workspaceId) }, 200),
  )
  .openapi(
    createRoute({ method: "post", path: "/", tags, request: jsonBody(CreateInvitationBody), responses: { 201: jsonResponse(IssuedInvitation, "The invitation; its link is shown only here."), ...errorResponses } }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const code = newSecret("inv_");
      const id = newId("inv");
      const now = Date.now();
      await insertInvitation(db, { id, workspaceId: actor.workspaceId, codeHash: await hashToken(code), email: body.email?.toLowerCase() ?? null, role: body.role, createdBy: actor.subject, createdAt: now, expiresAt: now + body.expiresInHours * HOUR });
      await recordAudit(c, "invitation.create", id, { role: body.role, email: body.email ?? null });
      const url = `${new URL(c.req.url).origin}/join#${code}`;
      return c.json({ invitation: (await getInvitation(db, actor.workspaceId, id))!, code, url }, 201);
    },
  )
  .openapi(
    createRoute({ method: "delete", path: "/{id}", tags, request: { params: z.object({ id: InvitationId }) }, responses: { 200: jsonResponse(Invitation, "Revoked."), ...errorResponses } }),
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
    createRoute({ method: "post", path: "/accept", tags, request: jsonBody(AcceptInvitationBody), responses: { 200: jsonResponse(AcceptedInvitation, "Welcome: your token, shown once."), ...errorResponses } }),
    async (c) => {
      await limitSignIns(c);
      const body = c.req.valid("json");
      const { db } = c.var.deps;
      const codeHash = await hashToken(body.code);
      const email = body.email.toLowerCase();
      const found = await invitationByCode(db, codeHash);
      if (found?.email && found.email !== email) throw new ApiError("FORBIDDEN", "This invitation is for another email address.");
      const now = Date.now();
      const inv = await claimInvitation(db, codeHash, email, now);
      if (!inv) throw new ApiError("NOT_FOUND", "This invitation is unknown, used, revoked or expired; ask for a new one.");
      const member = await addMember(db, inv.workspaceId, { name: body.name, email, role: inv.role }, now);
      const token = mintToken();
      await insertToken(db, { id: newId("tok"), workspaceId: inv.workspaceId, kind: "user", name: "invitation", subject: email, userId: member.userId, scopes: ["*"], expiresAt: now + 90 * DAY, tokenHash: await hashToken(token) }, now);
      await appendAudit(db, { workspaceId: inv.workspaceId, actor: email, actorKind: "user", via: "invitation", action: "invitation.accept", target: inv.id, details: { userId: member.userId, role: member.role } });
      return c.json({ token, workspaceId: inv.workspaceId as WorkspaceId, userId: member.userId as UserId, role: member.role }, 200);
    },
  );
