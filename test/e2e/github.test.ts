/**
 * Sign in with GitHub end to end: wrangler dev pointed at a fake GitHub on 127.0.0.1, a browser
 * played by fetch with a cookie jar, through authorize → callback → session cookie. Someone with no
 * membership gets in only by accepting an invitation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../fixtures/cookie-jar";
import { startFakeGitHub, type FakeGitHub, type FakeGitHubUser } from "../fixtures/fake-github";
import { startTower, type Tower } from "./harness";

let t: Tower;
let gh: FakeGitHub;
let workspaceId: string;

const octo: FakeGitHubUser = { id: 583231, login: "octocat", name: "The Octocat", emails: [{ email: "octo@gh.test", verified: true, primary: true }] };

beforeAll(async () => {
  gh = await startFakeGitHub(octo);
  t = await startTower({
    vars: { GITHUB_CLIENT_ID: gh.clientId, GITHUB_CLIENT_SECRET: gh.clientSecret, GITHUB_WEB_URL: gh.webUrl, GITHUB_API_URL: gh.apiUrl },
  });
  workspaceId = (await t.client.me()).workspaceId;
});
afterAll(async () => {
  await gh?.close();
  await t?.close();
});

async function signIn(jar: CookieJar, invitation?: string) {
  const start = `${t.url}/auth/github/start${invitation ? `?invitation=${encodeURIComponent(invitation)}` : ""}`;
  const { url, hops } = await jar.follow(start, (u) => u.startsWith(t.url) && !u.includes("/auth/github/"));
  return { landed: url.slice(t.url.length), hops };
}

const me = (jar: CookieJar) => jar.fetch(`${t.url}/api/me`);

describe("happy", () => {
  it("offers GitHub on the sign-in page when its secrets are set", async () => {
    expect(await (await fetch(`${t.url}/api/auth/providers`)).json()).toMatchObject({ token: true, github: true });
  });

  it("accepts an invitation by signing in with GitHub, then signs the same person in without one", async () => {
    gh.user = octo;
    const { code, invitation } = await t.client.createInvitation({ role: "member", email: "octo@gh.test" });
    const jar = new CookieJar();
    const { landed, hops } = await signIn(jar, code);
    expect(landed, hops.join("\n")).toBe("/");
    expect(hops.some((h) => h.startsWith(`${gh.webUrl}/login/oauth/authorize?`))).toBe(true);
    expect(await (await me(jar)).json()).toMatchObject({ user: { email: "octo@gh.test", name: "The Octocat" }, workspaceId, role: "member" });
    const invitations = (await (await fetch(`${t.url}/api/invitations`, { headers: { authorization: `Bearer ${t.adminToken}` } })).json()) as {
      invitations: { id: string; acceptedAt: number | null }[];
    };
    expect(invitations.invitations.find((i) => i.id === invitation.id)?.acceptedAt).toBeTypeOf("number");

    const later = new CookieJar();
    expect((await signIn(later)).landed).toBe("/");
    const again = (await (await me(later)).json()) as { user: { id: string } };
    expect(again.user.id).toBe(((await (await me(jar)).json()) as { user: { id: string } }).user.id);
    const audit = await t.client.listAudit({ action: "auth.sign_in" });
    expect(audit.entries.filter((e) => e.details.method === "github").map((e) => e.details.joined)).toEqual([true, false]);
  });

  it("signs an existing member in by the email GitHub has verified for them", async () => {
    const email = "existing@gh.test";
    const added = await fetch(`${t.url}/api/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Existing", email, role: "viewer" }),
    });
    expect(added.status).toBe(201);
    gh.user = { id: 777, login: "existing", name: null, emails: [{ email, verified: true, primary: true }] };
    const jar = new CookieJar();
    expect((await signIn(jar)).landed).toBe("/");
    expect(await (await me(jar)).json()).toMatchObject({ user: { email }, role: "viewer" });
  });
});

describe("security", () => {
  it("refuses a GitHub user who is not a member and has no invitation", async () => {
    gh.user = { id: 999, login: "stranger", name: "Stranger", emails: [{ email: "stranger@gh.test", verified: true, primary: true }] };
    const jar = new CookieJar();
    expect((await signIn(jar)).landed).toBe("/signin?error=not_a_member");
    expect(jar.get(t.url, "tower_session")).toBeUndefined();
    expect((await me(jar)).status).toBe(401);
  });

  it("refuses an invitation for an email GitHub has not verified, and leaves the invitation open", async () => {
    const { code, invitation } = await t.client.createInvitation({ role: "member", email: "intended@gh.test" });
    gh.user = { id: 1001, login: "interloper", name: null, emails: [{ email: "intended@gh.test", verified: false, primary: true }] };
    const jar = new CookieJar();
    expect((await signIn(jar, code)).landed).toBe("/signin?error=invitation_invalid");
    expect((await me(jar)).status).toBe(401);
    const invitations = (await (await fetch(`${t.url}/api/invitations`, { headers: { authorization: `Bearer ${t.adminToken}` } })).json()) as {
      invitations: { id: string; acceptedAt: number | null }[];
    };
    expect(invitations.invitations.find((i) => i.id === invitation.id)?.acceptedAt).toBeNull();
  });

  it("refuses a used invitation before sending the browser to GitHub", async () => {
    const { code } = await t.client.createInvitation({ role: "viewer" });
    gh.user = { id: 1002, login: "first", name: null, emails: [] };
    expect((await signIn(new CookieJar(), code)).landed).toBe("/");
    gh.user = { id: 1003, login: "second", name: null, emails: [] };
    const second = new CookieJar();
    const { landed, hops } = await signIn(second, code);
    expect(landed).toBe("/signin?error=invitation_invalid");
    expect(hops.some((h) => h.startsWith(gh.webUrl))).toBe(false);
  });

  it("refuses a replayed state", async () => {
    gh.user = octo;
    const jar = new CookieJar();
    let callback = "";
    let binding = "";
    await jar.follow(`${t.url}/auth/github/start`, (u) => {
      if (u.startsWith(`${t.url}/auth/github/callback`)) {
        callback = u;
        binding = jar.get(t.url, "tower_signin") ?? "";
      }
      return false;
    });
    expect(jar.get(t.url, "tower_session")).toBeTruthy();
    const replay = new CookieJar();
    replay.set(t.url, "tower_signin", binding);
    const res = await replay.fetch(callback);
    expect(res.headers.get("location")).toBe("/signin?error=invalid_state");
    expect(replay.get(t.url, "tower_session")).toBeUndefined();
  });
});
