/**
 * Single sign-on end to end: wrangler dev, a real OpenID Connect provider (oidc-provider) on
 * 127.0.0.1, and a browser played by fetch with a cookie jar, through the real redirects, code
 * exchange and ID token validation. Misbehaving tokens come from a scripted provider; each refusal
 * is checked to leave the browser signed out and the redirect to say why.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../fixtures/cookie-jar";
import { startOidcIdp, type OidcIdp } from "../fixtures/oidc-idp";
import { startScriptedIdp, type IdpMode, type ScriptedIdp } from "../fixtures/scripted-idp";
import { createApiClient, type PutSsoInput } from "../../worker/client";
import { startTower, waitUntil, type Tower } from "./harness";

let t: Tower;
let idp: OidcIdp;
let scripted: ScriptedIdp;
let workspaceId: string;

beforeAll(async () => {
  t = await startTower({ vars: { TOWER_SECRET_KEY: randomBytes(32).toString("base64") } });
  idp = await startOidcIdp({
    redirectUri: `${t.url}/auth/oidc/callback`,
    user: { sub: "alice-1", email: "alice@acme.test", emailVerified: true, name: "Alice Acme" },
  });
  scripted = await startScriptedIdp();
  workspaceId = (await t.client.me()).workspaceId;
});
afterAll(async () => {
  await idp?.close();
  await scripted?.close();
  await t?.close();
});

async function useProvider(p: { issuer: string; clientId: string; clientSecret: string }, extra: Partial<PutSsoInput> = {}) {
  const saved = await t.client.putSso({ issuer: p.issuer, clientId: p.clientId, clientSecret: p.clientSecret, ...extra });
  expect(saved).toMatchObject({ issuer: p.issuer, hasClientSecret: true, redirectUri: `${t.url}/auth/oidc/callback` });
  expect(JSON.stringify(await t.client.getSso())).not.toContain(p.clientSecret);
}

/** Runs the browser from /auth/oidc/:ws/start until it lands back on Tower after the callback. */
async function signIn(jar: CookieJar) {
  const back = (u: string) => u.startsWith(t.url) && !u.includes("/auth/oidc/");
  const { url, hops } = await jar.follow(`${t.url}/auth/oidc/${workspaceId}/start`, back);
  return { landed: url.slice(t.url.length), hops };
}

const me = (jar: CookieJar) => jar.fetch(`${t.url}/api/me`);

describe("happy", () => {
  it("signs a new person in through a real OpenID Connect provider and provisions them just in time", async () => {
    await useProvider(idp, { newUserRole: "viewer", allowedDomains: ["acme.test"], label: "Acme" });
    const providers = await createApiClient({ baseUrl: t.url }).signInProviders(workspaceId);
    expect(providers).toEqual({ token: true, github: false, oidc: [{ workspaceId, workspaceName: "default", label: "Acme" }] });

    const jar = new CookieJar();
    const { landed, hops } = await signIn(jar);
    expect(landed, hops.join("\n")).toBe("/");
    // The browser really went to the provider and came back through the callback.
    expect(hops.some((h) => h.startsWith(`${idp.issuer}/auth`))).toBe(true);
    expect(hops.some((h) => h.startsWith(`${t.url}/auth/oidc/callback?`))).toBe(true);
    expect(jar.get(t.url, "tower_session")).toBeTruthy();
    expect(jar.get(t.url, "tower_signin")).toBeUndefined();

    const res = await me(jar);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { email: "alice@acme.test", name: "Alice Acme" }, workspaceId, role: "viewer" });

    // The second sign-in finds the same person (no second account), and the audit log has both.
    const again = new CookieJar();
    expect((await signIn(again)).landed).toBe("/");
    const members = (await (await fetch(`${t.url}/api/members`, { headers: { authorization: `Bearer ${t.adminToken}` } })).json()) as {
      members: { email: string | null }[];
    };
    expect(members.members.filter((m) => m.email === "alice@acme.test")).toHaveLength(1);
    const audit = await t.client.listAudit({ action: "auth.sign_in" });
    expect(audit.entries.filter((e) => e.details.method === "oidc").map((e) => e.details.created)).toEqual([true, false]);
  });

  it("signs out: the cookie stops working", async () => {
    await useProvider(idp);
    const jar = new CookieJar();
    expect((await signIn(jar)).landed).toBe("/");
    const out = await jar.fetch(`${t.url}/api/auth/session`, { method: "DELETE", headers: { origin: t.url } });
    expect(await out.json()).toEqual({ signedOut: true });
    expect(jar.get(t.url, "tower_session")).toBeUndefined();
    expect((await me(jar)).status).toBe(401);
  });
});

describe("security: refused sign-ins leave the browser signed out and say why", () => {
  it("refuses a replayed state: the same callback, cookies and all, works only once", async () => {
    await useProvider(idp);
    const jar = new CookieJar();
    let callback = "";
    let binding = "";
    const { url } = await jar.follow(`${t.url}/auth/oidc/${workspaceId}/start`, (u) => {
      if (u.startsWith(`${t.url}/auth/oidc/callback`)) {
        callback = u;
        binding = jar.get(t.url, "tower_signin") ?? "";
      }
      return false;
    });
    expect(url.slice(t.url.length)).toBe("/");
    expect(callback).toContain("state=");
    const replay = new CookieJar();
    replay.set(t.url, "tower_signin", binding);
    const res = await replay.fetch(callback);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/signin?error=invalid_state");
    expect(replay.get(t.url, "tower_session")).toBeUndefined();
    expect((await me(replay)).status).toBe(401);
  });

  it("refuses a callback opened in a browser that did not start the sign-in", async () => {
    await useProvider(scripted);
    scripted.mode = "honest";
    const starter = new CookieJar();
    let callback = "";
    await starter.follow(`${t.url}/auth/oidc/${workspaceId}/start`, (u) => (callback = u).startsWith(`${t.url}/auth/oidc/callback`));
    const victim = new CookieJar();
    const res = await victim.fetch(callback);
    expect(res.headers.get("location")).toBe("/signin?error=invalid_state");
    expect(victim.get(t.url, "tower_session")).toBeUndefined();
  });

  it("signs in through the scripted provider when it behaves (the control for the cases below)", async () => {
    await useProvider(scripted);
    scripted.mode = "honest";
    const jar = new CookieJar();
    expect((await signIn(jar)).landed).toBe("/");
    expect(await (await me(jar)).json()).toMatchObject({ user: { email: "sam@scripted.test" }, workspaceId });
  });

  it.each<[IdpMode, string, RegExp]>([
    ["foreign-signature", "an ID token signed with a key the provider does not publish", /JWT signature verification failed/],
    ["wrong-audience", "an ID token for another client", /unexpected JWT "aud"/],
    ["expired", "an expired ID token", /unexpected JWT "exp"/],
  ])("refuses %s: %s", async (mode, _what, reason) => {
    await useProvider(scripted);
    scripted.mode = mode;
    scripted.user = { sub: `victim-${mode}`, email: `victim-${mode}@scripted.test`, name: "Victim" };
    const jar = new CookieJar();
    const { landed } = await signIn(jar);
    expect(landed).toBe("/signin?error=token_rejected");
    expect(jar.get(t.url, "tower_session")).toBeUndefined();
    expect((await me(jar)).status).toBe(401);
    const members = (await (await fetch(`${t.url}/api/members`, { headers: { authorization: `Bearer ${t.adminToken}` } })).json()) as {
      members: { email: string | null }[];
    };
    expect(members.members.map((m) => m.email)).not.toContain(`victim-${mode}@scripted.test`);
    // Refused for the right reason: the Worker logs what openid-client found wrong.
    await waitUntil(
      () => reason.test(t.logs()),
      5000,
      () => `no log line matching ${reason}`,
    );
  });

  it("refuses an email outside the workspace's allowed domains", async () => {
    await useProvider(scripted, { allowedDomains: ["acme.test"] });
    scripted.mode = "honest";
    scripted.user = { sub: "outsider", email: "mallory@elsewhere.test", name: "Mallory" };
    const jar = new CookieJar();
    expect((await signIn(jar)).landed).toBe("/signin?error=email_not_allowed");
    expect((await me(jar)).status).toBe(401);
  });
});
