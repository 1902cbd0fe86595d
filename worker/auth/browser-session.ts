/**
 * Starting and ending a browser session: every sign-in method (a personal token locally, OIDC,
 * GitHub) ends here, so the cookie, its lifetime and the `auth.sign_in` audit entry are the same
 * for all. The cookie holds a random secret; D1 holds only its hash.
 */
import type { Context } from "hono";
import { recordAuditAs } from "./audit";
import { insertBrowserSessionQuery, revokeBrowserSession } from "../db/browser-sessions";
import type { AppEnv } from "../env";
import { newId } from "../protocol/ids";
import { hashToken, mintToken } from "../protocol/tokens";
import { workspaceHub } from "../rooms";
import { clearCookie, readCookie, SESSION_COOKIE, writeCookie } from "./cookies";

/** Sessions last at most 14 days; then the person signs in again. */
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export interface SignIn {
  workspaceId: string;
  userId: string;
  subject: string;
  scopes: string[];
  method: "token" | "oidc" | "github";
  /** A session never outlives what it was made from (e.g. the token it was exchanged for). */
  notAfter?: number | null;
  /** The personal token it was exchanged for: revoking or rotating that token ends the session. */
  sourceTokenId?: string;
  details?: Record<string, unknown>;
}

/** Creates the session, sets the cookie on the response, and records the sign-in. */
export async function startBrowserSession(c: Context<AppEnv>, s: SignIn): Promise<{ id: string; expiresAt: number }> {
  const { db } = c.var.deps;
  const now = Date.now();
  // A browser holds one session: signing in again (as someone else, or to another workspace) ends the previous one.
  const previous = readCookie(c, SESSION_COOKIE);
  if (previous) await revokeBrowserSession(db, await hashToken(previous), now);
  const expiresAt = Math.min(now + SESSION_TTL_MS, s.notAfter ?? Infinity);
  const secret = mintToken();
  const id = newId("bss");
  await insertBrowserSessionQuery(db, {
    id,
    workspaceId: s.workspaceId,
    userId: s.userId,
    subject: s.subject,
    scopes: s.scopes,
    method: s.method,
    secretHash: await hashToken(secret),
    createdAt: now,
    expiresAt,
    sourceTokenId: s.sourceTokenId ?? null,
  });
  writeCookie(c, SESSION_COOKIE, secret, Math.floor((expiresAt - now) / 1000));
  await recordAuditAs(c, {
    workspaceId: s.workspaceId,
    actor: `${s.subject} (${s.userId})`,
    actorKind: "user",
    via: "browser",
    action: "auth.sign_in",
    target: s.userId,
    details: { method: s.method, session: id, ...s.details },
  });
  return { id, expiresAt };
}

/** Ends the browser's session, if it has a live one: revokes it, closes its sockets, records it. Always clears the cookie. */
export async function endBrowserSession(c: Context<AppEnv>): Promise<boolean> {
  const secret = readCookie(c, SESSION_COOKIE);
  clearCookie(c, SESSION_COOKIE);
  if (!secret) return false;
  const { db } = c.var.deps;
  const ended = await revokeBrowserSession(db, await hashToken(secret), Date.now());
  if (!ended) return false;
  await (await workspaceHub(c.env, ended.workspaceId)).revoke([ended.id]);
  await recordAuditAs(c, {
    workspaceId: ended.workspaceId,
    actor: `${ended.subject} (${ended.userId})`,
    actorKind: "user",
    via: "browser",
    action: "auth.sign_out",
    target: ended.userId,
    details: { session: ended.id },
  });
  return true;
}
