/**
 * Security headers on the Worker's own answers (API, errors, 404s, sign-in redirects): a CSP that
 * loads nothing and lets no one frame them, nosniff, and no referrer. The web app's static files get
 * theirs from web/public/_headers (test/unit/web-headers.test.ts: this pool cannot reach the asset router).
 */
import { describe, expect, it } from "vitest";
import { api, seedWorkspace } from "./helpers";

function expectHardened(res: Response, what: string): string {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp, `${what}: CSP`).toMatch(/frame-ancestors 'none'/);
  expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(res.headers.get("referrer-policy"), what).toBe("no-referrer");
  return csp;
}

describe("security: response headers", () => {
  it("hardens API answers, errors and sign-in redirects", async () => {
    const seed = await seedWorkspace();
    expectHardened(await api("/api/health", seed.userToken), "GET /api/health");
    const unauthorized = await api("/api/sessions", null);
    expect(unauthorized.status).toBe(401);
    expect(expectHardened(unauthorized, "a 401")).toMatch(/default-src 'none'/);
    expectHardened(await api("/api/no-such-route", seed.userToken), "a 404");
    const redirect = await api("/auth/oidc/not-an-id/start", null, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expectHardened(redirect, "a sign-in redirect");
  });
});
