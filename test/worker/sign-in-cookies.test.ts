import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, freshRateWindow, memberWith, seedWorkspace, tokenFor } from "./helpers";
import { browserFetch, CLIENT_ADDRESS, setCookies, signInBrowser } from "./browser";

const OWN = "http://tower.test";
const DAY_S = 24 * 3600;

describe("happy: signing a browser in with a personal token", () => {
  it("sets an HttpOnly, SameSite=Lax session cookie on http and answers like /api/me", async () => {
    const seed = await seedWorkspace();
    const res = await browserFetch("/api/auth/session", { method: "POST", json: { token: seed.userToken }, origin: OWN });
    expect(res.status).toBe(200);
    const me = await res.json<{ user: { id: string }; workspaceId: string; role: string }>();
    expect(me).toMatchObject({ user: { id: seed.userId }, workspaceId: seed.workspaceId, role: "owner" });
    const [cookie, ...others] = setCookies(res);
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({ name: "tower_session", attrs: { httponly: true, samesite: "Lax", path: "/" } });
    expect(cookie!.attrs.secure).toBeUndefined();
    expect(Number(cookie!.attrs["max-age"])).toBeGreaterThan(13 * DAY_S);
    expect(Number(cookie!.attrs["max-age"])).toBeLessThanOrEqual(14 * DAY_S);
    // The cookie is not the token, and only its hash is stored.
    expect(cookie!.value).not.toBe(seed.userToken);
    const stored = await env.DB.prepare("SELECT secret_hash FROM browser_sessions WHERE user_id = ?").bind(seed.userId).all<{ secret_hash: string }>();
    expect(stored.results.map((r) => r.secret_hash)).not.toContain(cookie!.value);

    const again = await browserFetch("/api/me", { cookie: `tower_session=${cookie!.value}` });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(me);
  });

  it("uses the __Host- prefix and Secure on https, and only that name counts there", async () => {
    const seed = await seedWorkspace();
    const res = await browserFetch("/api/auth/session", { method: "POST", json: { token: seed.userToken }, origin: "https://tower.test", https: true });
    expect(res.status).toBe(200);
    const cookie = setCookies(res)[0]!;
    expect(cookie).toMatchObject({ name: "__Host-tower_session", attrs: { secure: true, httponly: true, samesite: "Lax", path: "/" } });
    expect(cookie.attrs.domain).toBeUndefined();
    expect((await browserFetch("/api/me", { https: true, cookie: `__Host-tower_session=${cookie.value}` })).status).toBe(200);
    expect((await browserFetch("/api/me", { https: true, cookie: `tower_session=${cookie.value}` })).status).toBe(401);
  });

  it("never outlives the token it was exchanged for, and keeps that token's scopes", async () => {
    const seed = await seedWorkspace();
    const readOnly = await tokenFor(seed.workspaceId, seed.userId, "reader", { scopes: ["read"], expiresAt: Date.now() + 2 * DAY_S * 1000 });
    const res = await browserFetch("/api/auth/session", { method: "POST", json: { token: readOnly }, origin: OWN });
    expect(res.status).toBe(200);
    const cookie = setCookies(res)[0]!;
    expect(Number(cookie.attrs["max-age"])).toBeLessThanOrEqual(2 * DAY_S);
    const jar = `tower_session=${cookie.value}`;
    expect((await browserFetch("/api/me", { cookie: jar })).status).toBe(200);
    const launch = await browserFetch("/api/sessions", { method: "POST", json: { prompt: "p", cwd: "/tmp" }, cookie: jar, origin: OWN });
    expect(launch.status).toBe(403);
  });

  it("records the sign-in and the sign-out in the audit log", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    expect((await browserFetch("/api/auth/session", { method: "DELETE", cookie: jar, origin: OWN })).status).toBe(200);
    const { entries } = await (await api("/api/audit", seed.userToken)).json<{
      entries: { action: string; target: string; details: Record<string, unknown> }[];
    }>();
    const actions = entries.filter((e) => e.action.startsWith("auth.")).map((e) => [e.action, e.target, e.details.method ?? null]);
    expect(actions).toEqual([
      ["auth.sign_in", seed.userId, "token"],
      ["auth.sign_out", seed.userId, null],
    ]);
  });
});

describe("happy: one session per browser", () => {
  it("ends the browser's previous session when it signs in again, e.g. as someone else", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const first = await signInBrowser(seed.userToken);
    const res = await browserFetch("/api/auth/session", { method: "POST", json: { token: ann.token }, origin: OWN, cookie: first });
    expect(res.status).toBe(200);
    const second = `tower_session=${setCookies(res)[0]!.value}`;
    expect((await browserFetch("/api/me", { cookie: first })).status).toBe(401);
    expect(await (await browserFetch("/api/me", { cookie: second })).json()).toMatchObject({ user: { id: ann.userId } });
  });
});

describe("happy: signing out", () => {
  it("revokes the session and clears the cookie; the old cookie is refused afterwards", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    const out = await browserFetch("/api/auth/session", { method: "DELETE", cookie: jar, origin: OWN });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ signedOut: true });
    expect(setCookies(out)[0]).toMatchObject({ name: "tower_session", value: "", attrs: { "max-age": "0", httponly: true, path: "/" } });
    expect((await browserFetch("/api/me", { cookie: jar })).status).toBe(401);
    // Signing out twice (or with no session) still clears the cookie and says nothing was ended.
    const twice = await browserFetch("/api/auth/session", { method: "DELETE", cookie: jar, origin: OWN });
    expect(await twice.json()).toEqual({ signedOut: false });
    expect(setCookies(twice)[0]).toMatchObject({ name: "tower_session", attrs: { "max-age": "0" } });
  });

  it("closes the live sockets the signed-out session opened", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    const res = await browserFetch("/api/workspace/live", { cookie: jar, origin: OWN, headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.accept();
    await browserFetch("/api/auth/session", { method: "DELETE", cookie: jar, origin: OWN });
    expect(await closed).toBe(4001);
  });

  it("ends a member's browser sessions when they are removed from the workspace", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const jar = await signInBrowser(ann.token);
    expect((await browserFetch("/api/me", { cookie: jar })).status).toBe(200);
    expect((await api(`/api/members/${ann.userId}`, seed.userToken, { method: "DELETE" })).status).toBe(200);
    expect((await browserFetch("/api/me", { cookie: jar })).status).toBe(401);
  });
});

describe("security: cookies are not enough for changes from other sites", () => {
  it("refuses a cookie-authenticated change without an Origin or Sec-Fetch-Site: same-origin, and accepts either", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    const body = { prompt: "p", cwd: "/tmp" };
    const bare = await browserFetch("/api/sessions", { method: "POST", json: body, cookie: jar });
    expect(bare.status).toBe(403);
    expect((await bare.json<{ error: { code: string } }>()).error.code).toBe("FORBIDDEN");
    expect((await browserFetch("/api/sessions", { method: "POST", json: body, cookie: jar, secFetchSite: "cross-site" })).status).toBe(403);
    expect((await browserFetch("/api/sessions", { method: "POST", json: body, cookie: jar, origin: "https://evil.example" })).status).toBe(403);
    expect((await browserFetch("/api/sessions", { method: "POST", json: body, cookie: jar, origin: OWN })).status).toBe(201);
    expect((await browserFetch("/api/sessions", { method: "POST", json: body, cookie: jar, secFetchSite: "same-origin" })).status).toBe(201);
    // Reads change nothing; a page on another site cannot read the answer anyway (no CORS).
    expect((await browserFetch("/api/sessions", { cookie: jar })).status).toBe(200);
  });

  it("refuses a cookie-authenticated WebSocket upgrade from another site or with no Origin", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    const upgrade = { upgrade: "websocket" };
    expect((await browserFetch("/api/workspace/live", { cookie: jar, headers: upgrade })).status).toBe(403);
    expect((await browserFetch("/api/workspace/live", { cookie: jar, origin: "https://evil.example", headers: upgrade })).status).toBe(403);
    const ok = await browserFetch("/api/workspace/live", { cookie: jar, origin: OWN, headers: upgrade });
    expect(ok.status).toBe(101);
    ok.webSocket!.accept();
    ok.webSocket!.close();
  });

  it("only signs a browser in from Tower's own pages (no login CSRF)", async () => {
    const seed = await seedWorkspace();
    const body = { token: seed.userToken };
    expect((await browserFetch("/api/auth/session", { method: "POST", json: body })).status).toBe(403);
    expect((await browserFetch("/api/auth/session", { method: "POST", json: body, origin: "https://evil.example" })).status).toBe(403);
    const ok = await browserFetch("/api/auth/session", { method: "POST", json: body, secFetchSite: "same-origin" });
    expect(ok.status).toBe(200);
  });

  it("does not fall back to the cookie when a bad Authorization header is sent", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    const res = await browserFetch("/api/me", { cookie: jar, headers: { authorization: "Bearer tower_not_a_real_token" } });
    expect(res.status).toBe(401);
  });
});

describe("errors", () => {
  it("refuses unknown tokens, machine tokens and malformed bodies with the error envelope", async () => {
    const seed = await seedWorkspace();
    const unknown = await browserFetch("/api/auth/session", { method: "POST", json: { token: "tower_unknown_token_000000" }, origin: OWN });
    expect(unknown.status).toBe(401);
    expect((await unknown.json<{ error: { code: string } }>()).error.code).toBe("UNAUTHORIZED");
    const machine = await browserFetch("/api/auth/session", { method: "POST", json: { token: seed.agentToken }, origin: OWN });
    expect(machine.status).toBe(403);
    expect(setCookies(machine)).toEqual([]);
    const bad = await browserFetch("/api/auth/session", { method: "POST", json: { nope: 1 }, origin: OWN });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { code: string; issues: unknown[] } }>()).error).toMatchObject({ code: "BAD_REQUEST", issues: [expect.anything()] });
  });

  it("refuses an expired browser session and one whose user was disabled", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    await env.DB.prepare("UPDATE browser_sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, seed.userId)
      .run();
    expect((await browserFetch("/api/me", { cookie: jar })).status).toBe(401);
    const ann = await memberWith(seed, "member", "ann");
    const annJar = await signInBrowser(ann.token);
    await env.DB.prepare("UPDATE users SET disabled_at = ? WHERE id = ?").bind(Date.now(), ann.userId).run();
    expect((await browserFetch("/api/me", { cookie: annJar })).status).toBe(401);
  });

  // It may first wait for a fresh limiter window (freshRateWindow): up to 40 s more than its own time.
  it("limits sign-in attempts per address: the 61st in a minute gets 429", { timeout: 120_000 }, async () => {
    const statuses: number[] = [];
    await freshRateWindow();
    for (let i = 0; i < 61; i++) {
      const res = await browserFetch("/api/auth/session", {
        method: "POST",
        json: { token: "tower_unknown_token_000000" },
        origin: OWN,
        headers: { [CLIENT_ADDRESS]: "198.51.100.7" },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses[60]).toBe(429);
  });
});

describe("happy: providers", () => {
  it("tells the sign-in page what it may offer, without a token", async () => {
    const res = await browserFetch("/api/auth/providers");
    expect(res.status).toBe(200);
    // No GitHub secrets in the test config, and no workspace has SSO in this file.
    expect(await res.json()).toEqual({ token: true, github: false, oidc: [] });
  });

  it("sends a browser back to /signin when GitHub sign-in is not configured", async () => {
    for (const path of ["/auth/github/start", "/auth/github/callback?code=x&state=y"]) {
      const res = await browserFetch(path);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/signin?error=github_not_configured");
    }
  });
});
