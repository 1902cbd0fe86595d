/**
 * A browser's view of the Worker for workerd tests: requests with cookies, an Origin or
 * Sec-Fetch-Site like a browser sends them, on http or https, and the cookies that come back.
 */
import { exports } from "cloudflare:workers";

export interface BrowserInit {
  method?: string;
  json?: unknown;
  cookie?: string;
  origin?: string;
  secFetchSite?: string;
  https?: boolean;
  headers?: Record<string, string>;
}

/** The header the front door sets with the client's address in this tier (CLIENT_ADDRESS_HEADER in vitest.config.mts). */
export const CLIENT_ADDRESS = "x-test-client-address";

/** A distinct client address per caller, so the sign-in rate limit of one test never leaks into another. */
export const address = () => `192.0.2.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID()}`;

export function browserFetch(path: string, init: BrowserInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.origin) headers.set("origin", init.origin);
  if (init.secFetchSite) headers.set("sec-fetch-site", init.secFetchSite);
  if (!headers.has(CLIENT_ADDRESS)) headers.set(CLIENT_ADDRESS, address());
  let body: string | undefined;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const base = init.https ? "https://tower.test" : "http://tower.test";
  return exports.default.fetch(new Request(`${base}${path}`, { method: init.method ?? "GET", headers, body, redirect: "manual" }));
}

/** The Set-Cookie headers of a response, parsed: name, value and attributes (lower-case keys). */
export function setCookies(res: Response): { name: string; value: string; attrs: Record<string, string | true> }[] {
  return res.headers.getSetCookie().map((line) => {
    const [pair, ...rest] = line.split(";").map((p) => p.trim());
    const eq = pair!.indexOf("=");
    const attrs: Record<string, string | true> = {};
    for (const a of rest) {
      const i = a.indexOf("=");
      attrs[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? true : a.slice(i + 1);
    }
    return { name: pair!.slice(0, eq), value: decodeURIComponent(pair!.slice(eq + 1)), attrs };
  });
}

/** Signs a browser in with a personal token, as the /signin page does; returns the `cookie` header to send. */
export async function signInBrowser(token: string, opts: { https?: boolean } = {}): Promise<string> {
  const origin = opts.https ? "https://tower.test" : "http://tower.test";
  const res = await browserFetch("/api/auth/session", { method: "POST", json: { token }, origin, https: opts.https });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const c = setCookies(res)[0]!;
  return `${c.name}=${c.value}`;
}
