/**
 * /api/tokens: personal API tokens. Scoped, expiring, revocable and rotatable; stored only as
 * hashes, shown once at creation or rotation. Members manage their own; admins anyone's.
 */
import { auditEntry, auditQuery } from "../auth/audit";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { revokeSessionsFromTokens } from "../db/browser-sessions";
import { getToken, insertTokenQuery, listTokens, revokeTokenQuery } from "../db/tokens";
import { can } from "../domain/policy";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import { TokenId, newId } from "../protocol/ids";
import { CreateTokenBody, IssuedToken, TokenInfo } from "../protocol/members";
import { hashToken, mintToken } from "../protocol/tokens";
import { workspaceHub } from "../rooms";

const tags = ["tokens"];
const DAY = 24 * 3600 * 1000;
const Param = z.object({ id: TokenId });

/** A token may only hand out what its holder has: no `*` from a narrower token, no `admin` for non-admins. */
function checkScopes(c: Context<AppEnv>, scopes: string[]): void {
  const actor = c.var.auth;
  if (scopes.includes("*") && !actor.scopes.includes("*")) throw new ApiError("FORBIDDEN", "A token with limited scopes cannot create one with all scopes.");
  if (scopes.includes("admin") && !can(actor, "token.admin").ok)
    throw new ApiError("FORBIDDEN", "Only owners and admins can create tokens with the admin scope.");
}

/** The token, if the actor may manage it: their own, or anyone's in the workspace for admins. */
async function manageable(c: Context<AppEnv>, id: string) {
  const actor = c.var.auth;
  const t = await getToken(c.var.deps.db, actor.workspaceId, id);
  if (!t || (t.userId !== actor.userId && !can(actor, "token.admin").ok)) throw new ApiError("NOT_FOUND", `No token ${id} of yours.`);
  return t;
}

export const tokens = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: z.object({ all: z.enum(["true", "false"]).default("false") }) },
      responses: { 200: jsonResponse(z.object({ tokens: z.array(TokenInfo) }), "Tokens (never their secrets)."), ...errorResponses },
    }),
    async (c) => {
      const all = c.req.valid("query").all === "true";
      const actor = c.var.auth;
      if (all && !can(actor, "token.admin").ok) throw new ApiError("FORBIDDEN", "Only owners and admins can list everyone's tokens.");
      return c.json({ tokens: await listTokens(c.var.deps.db, actor.workspaceId, all ? null : (actor.userId ?? "")) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(CreateTokenBody),
      responses: { 201: jsonResponse(IssuedToken, "The new token; its secret is shown only here."), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.var.auth;
      checkScopes(c, body.scopes);
      const token = mintToken();
      const id = newId("tok");
      const now = Date.now();
      const { db } = c.var.deps;
      // The token and its audit entry commit together or not at all.
      await db.batch([
        insertTokenQuery(
          db,
          {
            id,
            workspaceId: actor.workspaceId,
            kind: "user",
            name: body.name,
            subject: actor.subject,
            userId: actor.userId,
            scopes: body.scopes,
            expiresAt: now + body.expiresInDays * DAY,
            tokenHash: await hashToken(token),
          },
          now,
        ),
        auditQuery(c, auditEntry(c, "token.create", id, { name: body.name, scopes: body.scopes, expiresInDays: body.expiresInDays })),
      ]);
      return c.json({ token, info: (await getToken(db, actor.workspaceId, id))! }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/rotate",
      tags,
      request: { params: Param },
      responses: { 200: jsonResponse(IssuedToken, "The replacement; the old token stops working now."), ...errorResponses },
    }),
    async (c) => {
      const old = await manageable(c, c.req.valid("param").id);
      if (old.revokedAt) throw new ApiError("CONFLICT", "This token is already revoked; create a new one instead.");
      if (old.scopesUnreadable) throw new ApiError("CONFLICT", `${old.scopesUnreadable} (A rotation would carry them over.)`);
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const now = Date.now();
      const token = mintToken();
      const id = newId("tok");
      const lifetime = old.expiresAt ? old.expiresAt - old.createdAt : 90 * DAY;
      // One batch: the replacement exists exactly when the old token stops working.
      await db.batch([
        insertTokenQuery(
          db,
          {
            id,
            workspaceId: actor.workspaceId,
            kind: old.kind,
            name: old.name,
            subject: old.subject,
            userId: old.userId,
            agentId: old.agentId,
            scopes: old.scopes,
            expiresAt: now + lifetime,
            rotatedFrom: old.id,
            tokenHash: await hashToken(token),
          },
          now,
        ),
        revokeTokenQuery(db, old.id, now),
        auditQuery(c, auditEntry(c, "token.rotate", old.id, { replacement: id })),
      ]);
      await endEverywhere(c, [old.id], now);
      return c.json({ token, info: (await getToken(db, actor.workspaceId, id))! }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      request: { params: Param },
      responses: { 200: jsonResponse(TokenInfo, "The revoked token."), ...errorResponses },
    }),
    async (c) => {
      const t = await manageable(c, c.req.valid("param").id);
      const actor = c.var.auth;
      const { db } = c.var.deps;
      if (!t.revokedAt) {
        const now = Date.now();
        await db.batch([revokeTokenQuery(db, t.id, now), auditQuery(c, auditEntry(c, "token.revoke", t.id, { name: t.name }))]);
        await endEverywhere(c, [t.id], now);
      }
      return c.json((await getToken(db, actor.workspaceId, t.id))!, 200);
    },
  );

/** A dead token takes with it the browser sessions made from it, and every socket either opened. */
async function endEverywhere(c: Context<AppEnv>, tokenIds: string[], now: number): Promise<void> {
  const browsers = await revokeSessionsFromTokens(c.var.deps.db, tokenIds, now);
  await (await workspaceHub(c.env, c.var.auth.workspaceId)).revoke([...tokenIds, ...browsers]);
}
