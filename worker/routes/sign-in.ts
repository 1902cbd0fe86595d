/**
 * /api/auth/session and /api/auth/providers: browser sessions. The local embedded default signs a
 * browser in by exchanging a personal token (the page at `/signin#token=…` posts the fragment, which
 * never reaches a server log) for an HttpOnly cookie; OIDC and GitHub sign-ins end in the same cookie
 * (worker/routes/oidc.ts, worker/routes/github.ts). The sign-in page asks /providers what to offer;
 * SSO only for the workspace its link names (`/signin?workspace=wsp_…`), so nobody can list workspaces.
 */
import { createRoute } from "@hono/zod-openapi";
import { endBrowserSession, startBrowserSession } from "../auth/browser-session";
import { requireOwnPages } from "../auth/origin";
import { limitSignIns } from "../auth/rate-limit";
import { signInConfig } from "../auth/sign-in-config";
import { meOf } from "../db/members";
import { ssoProviderOf } from "../db/sso";
import { isUnreadable } from "../db/checked-json";
import { findActor, getToken } from "../db/tokens";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import type { WorkspaceId } from "../protocol/ids";
import { Me } from "../protocol/members";
import { CreateBrowserSessionBody, ProvidersQuery, SignedOut, SignInProviders } from "../protocol/sign-in";
import { hashToken } from "../protocol/tokens";

const tags = ["auth"];

export const signIn = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/session",
      tags,
      request: jsonBody(CreateBrowserSessionBody),
      responses: { 200: jsonResponse(Me, "Signed in: the session cookie is set; you, as /api/me shows you."), ...errorResponses },
    }),
    async (c) => {
      await limitSignIns(c);
      // Signing a browser in is a change made with no credential of the browser's own: only our pages may ask (no login CSRF).
      requireOwnPages(c);
      const { db } = c.var.deps;
      const actor = await findActor(db, await hashToken(c.req.valid("json").token), Date.now());
      if (!actor) throw new ApiError("UNAUTHORIZED", "That token is unknown, revoked or expired.");
      if (isUnreadable(actor)) throw new ApiError("UNAUTHORIZED", actor.unreadable);
      if (actor.kind !== "user" || !actor.userId || !actor.role)
        throw new ApiError("FORBIDDEN", "Only a member's personal token can sign a browser in (not a machine's).");
      const token = await getToken(db, actor.workspaceId, actor.tokenId);
      const session = await startBrowserSession(c, {
        workspaceId: actor.workspaceId,
        userId: actor.userId,
        subject: actor.subject,
        scopes: [...actor.scopes],
        method: "token",
        notAfter: token?.expiresAt,
        sourceTokenId: actor.tokenId,
        details: { token: actor.tokenId },
      });
      return c.json(await meOf(db, { ...actor, tokenId: session.id }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/session",
      tags,
      responses: { 200: jsonResponse(SignedOut, "The cookie is cleared; `signedOut` says whether a live session was ended."), ...errorResponses },
    }),
    async (c) => c.json({ signedOut: await endBrowserSession(c) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/providers",
      tags,
      request: { query: ProvidersQuery },
      responses: { 200: jsonResponse(SignInProviders, "The sign-in methods this Tower offers (SSO only for the workspace named)."), ...errorResponses },
    }),
    async (c) => {
      const { workspace } = c.req.valid("query");
      const oidc = workspace ? await ssoProviderOf(c.var.deps.db, workspace) : [];
      return c.json(
        { token: true as const, github: signInConfig(c.env).github !== null, oidc: oidc.map((o) => ({ ...o, workspaceId: o.workspaceId as WorkspaceId })) },
        200,
      );
    },
  );
