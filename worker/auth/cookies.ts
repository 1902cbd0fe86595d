/**
 * The browser's cookies, in one place so their contract cannot drift: the session cookie
 * (`tower_session` on http://localhost, `__Host-tower_session` + Secure on https) and the short-lived
 * cookie that binds an OIDC/GitHub sign-in to the browser that started it. Always HttpOnly,
 * SameSite=Lax (the provider's redirect back is a top-level cross-site GET), Path=/.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export const SESSION_COOKIE = "tower_session";
export const BINDING_COOKIE = "tower_signin";

const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:";

/** The name a cookie has on this request's scheme: `__Host-` (host-only, Secure, Path=/) on https. */
export function cookieName(c: Context, base: string): string {
  return isHttps(c) ? `__Host-${base}` : base;
}

export function readCookie(c: Context, base: string): string | undefined {
  return getCookie(c, cookieName(c, base)) || undefined;
}

export function writeCookie(c: Context, base: string, value: string, maxAgeSeconds: number): void {
  setCookie(c, cookieName(c, base), value, { httpOnly: true, secure: isHttps(c), sameSite: "Lax", path: "/", maxAge: maxAgeSeconds });
}

export function clearCookie(c: Context, base: string): void {
  deleteCookie(c, cookieName(c, base), { httpOnly: true, secure: isHttps(c), sameSite: "Lax", path: "/" });
}
