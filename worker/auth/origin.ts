/**
 * Cross-site protection: a state-changing request or a WebSocket upgrade that carries an Origin
 * header must come from Tower's own origin (or one listed in ALLOWED_ORIGINS). Clients without an
 * Origin (the CLI, the agent) are unaffected; browsers always send one on these requests.
 * Cookies ride along on cross-site requests, so cookie-authenticated changes must also *prove*
 * they come from our pages (`isFromOwnPages`), not merely lack a foreign Origin.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { configFrom } from "../config";
import { ApiError } from "../protocol/errors";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function isAllowedOrigin(c: Context<AppEnv>, origin: string): boolean {
  return origin === new URL(c.req.url).origin || configFrom(c.env).allowedOrigins.includes(origin);
}

/** A request that changes something or opens a socket (the ones cross-site requests must not make). */
export function isStateChanging(c: Context<AppEnv>): boolean {
  return c.req.header("upgrade")?.toLowerCase() === "websocket" || !SAFE.has(c.req.method);
}

export const checkOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  if (origin && isStateChanging(c) && !isAllowedOrigin(c, origin)) {
    throw new ApiError("FORBIDDEN", `Requests from ${origin} are not allowed; Tower accepts changes only from its own pages.`);
  }
  await next();
});

/**
 * Whether a browser says this request comes from one of our pages: an allowed Origin, or, when a
 * browser omits Origin, `Sec-Fetch-Site: same-origin`. Needed wherever a cookie (not a bearer
 * token, which no other site has) would authorize a change.
 */
export function isFromOwnPages(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  if (origin) return isAllowedOrigin(c, origin);
  return c.req.header("sec-fetch-site") === "same-origin";
}

/** Refuses a cookie-authenticated change or upgrade that does not prove it comes from our pages. */
export function requireOwnPages(c: Context<AppEnv>): void {
  if (!isFromOwnPages(c)) {
    throw new ApiError(
      "FORBIDDEN",
      "A signed-in browser may change things only from Tower's own pages (no Origin or Sec-Fetch-Site: same-origin header was sent).",
    );
  }
}
