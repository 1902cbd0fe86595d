/**
 * /api/me: who the token speaks for and every workspace that person belongs to; and
 * /api/me/switch, which issues a token for another of those workspaces (a token is bound to one
 * workspace, so switching is a new token, shown once, never a change to the current one).
 */
import { createRoute } from "@hono/zod-openapi";
import { auditEntry, auditQuery } from "../auth/audit";
import { findMember, meOf } from "../db/members";
import { getToken, insertTokenQuery } from "../db/tokens";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import { newId } from "../protocol/ids";
import { IssuedToken, Me, SwitchWorkspaceBody } from "../protocol/members";
import { hashToken, mintToken } from "../protocol/tokens";

const tags = ["me"];
const DAY = 24 * 3600 * 1000;

export const me = router()
  .openapi(createRoute({ method: "get", path: "/", tags, responses: { 200: jsonResponse(Me, "You, and your workspaces."), ...errorResponses } }), async (c) =>
    c.json(await meOf(c.var.deps.db, c.var.auth), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/switch",
      tags,
      request: jsonBody(SwitchWorkspaceBody),
      responses: { 200: jsonResponse(IssuedToken, "A token for that workspace, shown once."), ...errorResponses },
    }),
    async (c) => {
      const { workspaceId } = c.req.valid("json");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const member = actor.userId ? await findMember(db, workspaceId, actor.userId) : null;
      if (!member) throw new ApiError("NOT_FOUND", `You are not a member of ${workspaceId}.`);
      const token = mintToken();
      const id = newId("tok");
      const now = Date.now();
      await db.batch([
        insertTokenQuery(
          db,
          {
            id,
            workspaceId,
            kind: "user",
            name: "workspace switch",
            subject: actor.subject,
            userId: actor.userId,
            scopes: [...actor.scopes],
            expiresAt: now + 90 * DAY,
            tokenHash: await hashToken(token),
          },
          now,
        ),
        auditQuery(c, auditEntry(c, "workspace.switch", workspaceId, { token: id })),
      ]);
      return c.json({ token, info: (await getToken(db, workspaceId, id))! }, 200);
    },
  );
