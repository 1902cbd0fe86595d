/**
 * /api/workspace/sso: a workspace's OpenID Connect provider, managed by its owners and admins.
 * The client secret is sealed under TOWER_SECRET_KEY before it reaches D1 and is never returned;
 * GET shows the redirect URI to register at the provider.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordAudit } from "../auth/audit";
import { discover } from "../auth/oidc";
import { seal } from "../auth/secret-box";
import { signInConfig } from "../auth/sign-in-config";
import { isUnreadable } from "../db/checked-json";
import { deleteSso, getSso, putSso, type SsoRow } from "../db/sso";
import { isAllowedIssuer } from "../domain/sign-in";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import { PutSsoBody, SsoConfig } from "../protocol/sign-in";

const tags = ["workspace"];

function shown(c: Context<AppEnv>, row: SsoRow): SsoConfig {
  const { clientSecretSealed: _sealed, workspaceId, discovery: _discovery, allowedDomains, ...rest } = row;
  const origin = new URL(c.req.url).origin;
  const domains = isUnreadable(allowedDomains)
    ? {
        allowedDomains: [],
        allowedDomainsUnreadable: `the stored allowed domains could not be read (${allowedDomains.unreadable}), so no one signs in through SSO; save the settings again`,
      }
    : { allowedDomains };
  return { ...rest, ...domains, hasClientSecret: true, redirectUri: `${origin}/auth/oidc/callback`, signInUrl: `${origin}/signin?workspace=${workspaceId}` };
}

export const ssoSettings = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(SsoConfig, "The workspace's SSO provider (never its secret)."), ...errorResponses },
    }),
    async (c) => {
      const row = await getSso(c.var.deps.db, c.var.auth.workspaceId);
      if (!row) throw new ApiError("NOT_FOUND", "This workspace has no SSO provider; PUT one here.");
      return c.json(shown(c, row), 200);
    },
  )
  .openapi(
    createRoute({ method: "put", path: "/", tags, request: jsonBody(PutSsoBody), responses: { 200: jsonResponse(SsoConfig, "Saved."), ...errorResponses } }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      if (!isAllowedIssuer(body.issuer)) throw new ApiError("BAD_REQUEST", "issuer: must be https (plain http only for a provider on 127.0.0.1 or localhost).");
      const existing = await getSso(db, actor.workspaceId);
      if (!body.clientSecret && !existing) throw new ApiError("BAD_REQUEST", "clientSecret: required when setting up SSO.");
      let discovery: Record<string, unknown>;
      try {
        discovery = await discover(body.issuer, body.clientId);
      } catch (e) {
        throw new ApiError(
          "BAD_REQUEST",
          `issuer: Tower could not read its discovery document (${(e as Error).message}); check the URL and that the provider is up.`,
        );
      }
      const sealed = body.clientSecret ? await seal(signInConfig(c.env).secretKey, body.clientSecret, actor.workspaceId) : existing!.clientSecretSealed;
      const row: SsoRow = {
        workspaceId: actor.workspaceId,
        issuer: body.issuer,
        clientId: body.clientId,
        clientSecretSealed: sealed,
        label: body.label ?? new URL(body.issuer).host,
        allowedDomains: [...new Set(body.allowedDomains)],
        newUserRole: body.newUserRole,
        discovery,
        updatedBy: actor.subject,
        updatedAt: Date.now(),
      };
      await putSso(db, row);
      await recordAudit(c, "sso.configure", actor.workspaceId, {
        issuer: row.issuer,
        clientId: row.clientId,
        allowedDomains: row.allowedDomains,
        newUserRole: row.newUserRole,
        secretChanged: !!body.clientSecret,
      });
      return c.json(shown(c, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/",
      tags,
      responses: { 200: jsonResponse(z.object({ removed: z.boolean() }), "SSO is off for this workspace."), ...errorResponses },
    }),
    async (c) => {
      const removed = await deleteSso(c.var.deps.db, c.var.auth.workspaceId);
      if (removed) await recordAudit(c, "sso.remove", c.var.auth.workspaceId, {});
      return c.json({ removed }, 200);
    },
  );
