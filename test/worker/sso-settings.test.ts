import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { open, seal } from "../../worker/auth/secret-box";
import { api, memberWith, seedWorkspace, serveDiscovery } from "./helpers";
import { browserFetch, CLIENT_ADDRESS, setCookies, signInBrowser } from "./browser";

const SECRET = "client-secret-that-must-never-leak";
const config = (over: Record<string, unknown> = {}) => ({ issuer: "https://id.example.com/realms/acme", clientId: "tower", clientSecret: SECRET, ...over });
const KEY = (env as unknown as { TOWER_SECRET_KEY: string }).TOWER_SECRET_KEY;

let provider: ReturnType<typeof serveDiscovery>;
beforeEach(() => void (provider = serveDiscovery()));
afterEach(() => provider.restore());

describe("happy: configuring a workspace's SSO", () => {
  it("lets an owner or admin set, read and remove it; the secret is never returned", async () => {
    const seed = await seedWorkspace("acme");
    const admin = await memberWith(seed, "admin");
    const put = await api("/api/workspace/sso", admin.token, {
      method: "PUT",
      json: config({ allowedDomains: ["Acme.com"], newUserRole: "viewer", label: "Acme login" }),
    });
    expect(put.status).toBe(200);
    const text = await put.text();
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({
      issuer: "https://id.example.com/realms/acme",
      clientId: "tower",
      label: "Acme login",
      allowedDomains: ["acme.com"],
      newUserRole: "viewer",
      hasClientSecret: true,
      redirectUri: "http://tower.test/auth/oidc/callback",
    });
    const got = await api("/api/workspace/sso", seed.userToken);
    expect(got.status).toBe(200);
    expect(await got.text()).not.toContain(SECRET);
    const providers = await (await browserFetch(`/api/auth/providers?workspace=${seed.workspaceId}`)).json<{ oidc: unknown[] }>();
    expect(providers.oidc).toEqual([{ workspaceId: seed.workspaceId, workspaceName: "acme", label: "Acme login" }]);

    expect(await (await api("/api/workspace/sso", seed.userToken, { method: "DELETE" })).json()).toEqual({ removed: true });
    expect((await api("/api/workspace/sso", seed.userToken)).status).toBe(404);
    const after = await (await browserFetch(`/api/auth/providers?workspace=${seed.workspaceId}`)).json<{ oidc: { workspaceId: string }[] }>();
    expect(after.oidc.map((o) => o.workspaceId)).not.toContain(seed.workspaceId);
  });

  it("stores the client secret only sealed under TOWER_SECRET_KEY, bound to the workspace", async () => {
    const seed = await seedWorkspace();
    await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: config() });
    const row = await env.DB.prepare("SELECT * FROM workspace_sso WHERE workspace_id = ?").bind(seed.workspaceId).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(SECRET);
    const sealed = row!.client_secret_sealed!;
    expect(await open(KEY, sealed, seed.workspaceId)).toBe(SECRET);
    await expect(open(KEY, sealed, "wsp_someoneelse0000000000")).rejects.toThrow();
    await expect(open(btoa("x".repeat(32)), sealed, seed.workspaceId)).rejects.toThrow();
    // Updating without a new secret keeps the stored one.
    await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: { issuer: "https://id.example.com/realms/acme", clientId: "tower-2" } });
    const kept = await env.DB.prepare("SELECT client_id, client_secret_sealed FROM workspace_sso WHERE workspace_id = ?")
      .bind(seed.workspaceId)
      .first<Record<string, string>>();
    expect(kept).toMatchObject({ client_id: "tower-2", client_secret_sealed: sealed });
  });

  it("records the change in the audit log without the secret", async () => {
    const seed = await seedWorkspace();
    await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: config() });
    const res = await api("/api/audit?action=sso.configure", seed.userToken);
    const text = await res.text();
    expect(JSON.parse(text).entries).toHaveLength(1);
    expect(text).not.toContain(SECRET);
  });
});

describe("security: SSO settings", () => {
  it("refuses members and viewers, even to read", async () => {
    const seed = await seedWorkspace();
    await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: config() });
    for (const role of ["member", "viewer"] as const) {
      const m = await memberWith(seed, role);
      expect((await api("/api/workspace/sso", m.token)).status).toBe(403);
      expect((await api("/api/workspace/sso", m.token, { method: "PUT", json: config() })).status).toBe(403);
      expect((await api("/api/workspace/sso", m.token, { method: "DELETE" })).status).toBe(403);
    }
  });

  it("refuses a cookie-authenticated change from another site", async () => {
    const seed = await seedWorkspace();
    const jar = await signInBrowser(seed.userToken);
    expect((await browserFetch("/api/workspace/sso", { method: "PUT", json: config(), cookie: jar, origin: "https://evil.example" })).status).toBe(403);
    expect((await browserFetch("/api/workspace/sso", { method: "PUT", json: config(), cookie: jar })).status).toBe(403);
    expect((await browserFetch("/api/workspace/sso", { method: "PUT", json: config(), cookie: jar, origin: "http://tower.test" })).status).toBe(200);
  });

  it("will not seal anything without a 32-byte key", async () => {
    await expect(seal(undefined, "s", "wsp_x")).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(seal(btoa("short"), "s", "wsp_x")).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("errors: SSO settings", () => {
  it.each([
    ["a plain-http issuer that is not this machine", config({ issuer: "http://id.example.com" })],
    ["no client secret the first time", { issuer: "https://id.example.com", clientId: "tower" }],
    ["a domain that is not one", config({ allowedDomains: ["not a domain"] })],
    ["an owner role for new users", config({ newUserRole: "owner" })],
  ])("refuses %s with 400", async (_why, body) => {
    const seed = await seedWorkspace();
    const res = await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: body });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("BAD_REQUEST");
  });
});

describe("errors: the browser flow before the provider is involved", () => {
  const location = (res: Response) => res.headers.get("location");

  it("sends the browser back to /signin when the workspace has no SSO, or the id is not one", async () => {
    const seed = await seedWorkspace();
    for (const id of [seed.workspaceId, "not-an-id"]) {
      const res = await browserFetch(`/auth/oidc/${id}/start`);
      expect(res.status).toBe(302);
      expect(location(res)).toBe("/signin?error=sso_not_configured");
      expect(setCookies(res).map((c) => c.name)).not.toContain("tower_session");
    }
  });

  it("refuses to save an issuer whose discovery fails, with 400 that says so", async () => {
    provider.restore(); // nothing listens on 127.0.0.1:9
    const seed = await seedWorkspace();
    const res = await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: config({ issuer: "http://127.0.0.1:9/" }) });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/^issuer: Tower could not read its discovery document/);
    expect(await browserFetch(`/auth/oidc/${seed.workspaceId}/start`).then(location)).toBe("/signin?error=sso_not_configured");
  });

  it("refuses a callback with no state or an unknown one, and sets no session", async () => {
    for (const query of ["?code=x", "?code=x&state=tower_madeup_state_0000000"]) {
      const res = await browserFetch(`/auth/oidc/callback${query}`);
      expect(res.status).toBe(302);
      expect(location(res)).toBe("/signin?error=invalid_state");
      expect(setCookies(res).map((c) => c.name)).not.toContain("tower_session");
    }
  });

  it("rate limits the browser flow too, with a redirect the sign-in page can explain", async () => {
    let last: Response | null = null;
    for (let i = 0; i < 61; i++) last = await browserFetch("/auth/oidc/callback?state=x", { headers: { [CLIENT_ADDRESS]: "198.51.100.99" } });
    expect(location(last!)).toBe("/signin?error=rate_limited");
  });
});

describe("security: what anonymous callers can make the Worker do", () => {
  it("starts an SSO sign-in from the discovery document saved with the settings, fetching nothing on the visitor's demand", async () => {
    const seed = await seedWorkspace();
    expect((await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: config() })).status).toBe(200);
    provider.fetched.length = 0;
    for (let i = 0; i < 3; i++) {
      const res = await browserFetch(`/auth/oidc/${seed.workspaceId}/start`);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toMatch(/^https:\/\/id\.example\.com\/realms\/acme\/auth\?/);
    }
    expect(provider.fetched).toEqual([]);
  });

  it("lists no workspace's SSO to an anonymous caller; only the workspace a sign-in link names", async () => {
    const seed = await seedWorkspace("listed");
    await api("/api/workspace/sso", seed.userToken, { method: "PUT", json: config({ label: "Listed" }) });
    const other = await seedWorkspace("plain");
    const all = await (await browserFetch("/api/auth/providers")).json<{ oidc: unknown[] }>();
    expect(all.oidc).toEqual([]);
    expect((await (await browserFetch(`/api/auth/providers?workspace=${other.workspaceId}`)).json<{ oidc: unknown[] }>()).oidc).toEqual([]);
    expect((await (await browserFetch(`/api/auth/providers?workspace=${seed.workspaceId}`)).json<{ oidc: unknown[] }>()).oidc).toEqual([
      { workspaceId: seed.workspaceId, workspaceName: "listed", label: "Listed" },
    ]);
  });
});
