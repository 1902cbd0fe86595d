/**
 * Cross-site protection: a state-changing request or a WebSocket upgrade that carries an Origin
 * header must come from Tower's own origin (or one listed in ALLOWED_ORIGINS). Clients without an
 * Origin (the CLI, the agent) are unaffected; browsers always send one on these requests.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { configFrom } from "../config";
import { ApiError } from "../protocol/errors";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export const checkOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
  if (origin && (isUpgrade || !SAFE.has(c.req.method))) {
    const own = new URL(c.req.url).origin;
    if (origin !== own && !configFrom(c.env).allowedOrigins.includes(origin)) {
      throw new ApiError("FORBIDDEN", `Requests from ${origin} are not allowed; Tower accepts changes only from its own pages.`);
    }
  }
  await next();
});
