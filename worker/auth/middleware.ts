/**
 * Authentication and authorization for every /api route and WebSocket upgrade. A bearer token in
 * the Authorization header (never the URL, upgrades included), else the browser's session cookie,
 * resolves to an Actor, or the request ends with 401; then the route table names the action, and
 * the policy decides. Per-session checks follow in `sessionFor`. A cookie-authenticated change or upgrade must also come from our own pages.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { isUnreadable } from "../db/checked-json";
import { findActor } from "../db/tokens";
import { findBrowserActor } from "../db/browser-sessions";
import { readCookie, SESSION_COOKIE } from "./cookies";
import { isStateChanging, requireOwnPages } from "./origin";
import { can, type Actor } from "../domain/policy";
import { ApiError } from "../protocol/errors";
import { hashToken } from "../protocol/tokens";
import { PERMISSIONS } from "../routes/permissions";

const HOW_TO =
  "Pass `Authorization: Bearer <token>`: the admin token printed by `npm start`, or set TOWER_TOKEN for the CLI; in a browser, sign in at /signin.";

export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  const key = routeKey(c);
  if (key && PERMISSIONS[key] === "public") return next();
  const found = await identify(c);
  if (!found) throw new ApiError("UNAUTHORIZED", `Missing bearer token. ${HOW_TO}`);
  c.set("auth", found.actor);
  c.set("credential", found.credential);
  await next();
});

/**
 * Who the request's credential speaks for: a bearer token in the Authorization header, else
 * the browser's session cookie; null when it carries neither. A credential that is present but
 * dead is an error, never silently anonymous. Public routes that act differently for a signed-in
 * caller (accepting an invitation) call this themselves.
 */
export async function identify(c: Context<AppEnv>): Promise<{ actor: Actor; credential: "bearer" | "cookie" } | null> {
  const header = c.req.header("authorization");
  // Never a token in the URL (it would reach access logs): Node clients send the header on upgrades too.
  const raw = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (raw) {
    const actor = await findActor(c.var.deps.db, await hashToken(raw), Date.now());
    if (!actor) throw new ApiError("UNAUTHORIZED", `The token is unknown, revoked or expired. ${HOW_TO}`);
    if (isUnreadable(actor)) throw new ApiError("UNAUTHORIZED", actor.unreadable);
    return { actor, credential: "bearer" };
  }
  const cookie = header ? undefined : readCookie(c, SESSION_COOKIE);
  if (!cookie) return null;
  const actor = await findBrowserActor(c.var.deps.db, await hashToken(cookie), Date.now());
  if (!actor) throw new ApiError("UNAUTHORIZED", "Your browser session has ended (signed out, expired or revoked); sign in again at /signin.");
  if (isUnreadable(actor)) throw new ApiError("UNAUTHORIZED", actor.unreadable);
  if (isStateChanging(c)) requireOwnPages(c);
  return { actor, credential: "cookie" };
}

/** The route pattern that will handle this request (the last non-middleware match). */
export function routeKey(c: { req: { method: string; matchedRoutes: { method: string; path: string }[] } }): string | null {
  const handler = [...c.req.matchedRoutes].reverse().find((r) => r.method !== "ALL");
  return handler ? `${handler.method} ${handler.path}` : null;
}

/**
 * Checks the route's action for the actor. Session actions are checked here at their best case
 * (as if the actor owned the session); `sessionFor` then checks the actual session.
 */
export const authorize = createMiddleware<AppEnv>(async (c, next) => {
  const key = routeKey(c);
  if (!key) return next(); // no route matched: the 404 handler answers
  const action = PERMISSIONS[key];
  if (action === "public") return next();
  if (!action) {
    console.error(`no authorization rule for ${key}`);
    throw new ApiError("FORBIDDEN", "This endpoint has no authorization rule yet, so it is closed.");
  }
  const d = can(c.var.auth, action, "owner");
  if (!d.ok) throw new ApiError("FORBIDDEN", `Not allowed: ${d.why}.`);
  c.set("action", action);
  await next();
});

export type { Actor };
