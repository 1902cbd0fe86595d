/**
 * Authentication for every /api route and WebSocket upgrade: a bearer token in the Authorization
 * header (or, for browser WebSocket upgrades that cannot set headers, `access_token` in the query)
 * resolves to a workspace and a subject, or the request ends with 401.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { findToken } from "../db/tokens";
import { ApiError } from "../protocol/errors";
import { hashToken } from "../protocol/tokens";

const HOW_TO =
  "Pass `Authorization: Bearer <token>`: the admin token printed by `npm start`, or set TOWER_TOKEN for the CLI.";

export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
  const raw = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? (isUpgrade ? c.req.query("access_token") : undefined);
  if (!raw) throw new ApiError("UNAUTHORIZED", `Missing bearer token. ${HOW_TO}`);
  const identity = await findToken(c.var.deps.db, await hashToken(raw), Date.now());
  if (!identity) throw new ApiError("UNAUTHORIZED", `The token is unknown, revoked or expired. ${HOW_TO}`);
  c.set("auth", identity);
  await next();
});

/** Only an agent token may speak for a machine. */
export function requireAgentToken(auth: AppEnv["Variables"]["auth"]): string {
  if (auth.kind !== "agent" || !auth.agentId) throw new ApiError("FORBIDDEN", "This endpoint takes an agent token (see `tower agent --help`).");
  return auth.agentId;
}
