import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { oidcAccount } from "../../worker/auth/accounts";
import { makeDb } from "../../worker/db/client";
import { findMember } from "../../worker/db/members";
import { api, memberWith, seedWorkspace } from "./helpers";

const db = () => makeDb(env.DB);
const ISSUER = "https://id.example.com";
const sso = (workspaceId: string, over: Partial<{ allowedDomains: string[]; newUserRole: "member" | "viewer" }> = {}) => ({
  workspaceId,
  issuer: ISSUER,
  allowedDomains: [],
  newUserRole: "member" as const,
  ...over,
});
const claims = (sub: string, email?: string, emailVerified: unknown = true) => ({ sub, email, emailVerified, name: `Person ${sub}` });

describe("happy: who an OIDC sign-in becomes", () => {
  it("creates the person and their membership on first sign-in, and finds them again after", async () => {
    const seed = await seedWorkspace();
    const sub = crypto.randomUUID();
    const first = await oidcAccount(db(), sso(seed.workspaceId, { newUserRole: "viewer" }), claims(sub, `${sub}@acme.test`), Date.now());
    expect(first).toMatchObject({ created: true, linked: false, joined: true, subject: `${sub}@acme.test` });
    expect(await findMember(db(), seed.workspaceId, first.userId)).toMatchObject({ role: "viewer", email: `${sub}@acme.test` });
    const again = await oidcAccount(db(), sso(seed.workspaceId), claims(sub, `${sub}@acme.test`), Date.now());
    expect(again).toMatchObject({ userId: first.userId, created: false, linked: false, joined: false });
  });

  it("links an account with the same verified email when it belongs to no other workspace", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const email = (await (await api("/api/me", ann.token)).json<{ user: { email: string } }>()).user.email;
    const r = await oidcAccount(db(), sso(seed.workspaceId), claims(crypto.randomUUID(), email), Date.now());
    expect(r).toMatchObject({ userId: ann.userId, linked: true, created: false, joined: false });
  });
});

describe("security: who an OIDC sign-in may not become", () => {
  it("refuses to take over an account that also belongs to another workspace", async () => {
    const a = await seedWorkspace("a");
    const b = await seedWorkspace("b");
    const email = `both-${crypto.randomUUID()}@example.com`;
    for (const owner of [a.userToken, b.userToken]) {
      expect((await api("/api/members", owner, { method: "POST", json: { name: "Both", email, role: "member" } })).status).toBe(201);
    }
    await expect(oidcAccount(db(), sso(a.workspaceId), claims(crypto.randomUUID(), email), Date.now())).rejects.toMatchObject({ code: "email_in_use" });
  });

  it("never links by an unverified email: the sign-in gets an account of its own, without that email", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const email = (await (await api("/api/me", ann.token)).json<{ user: { email: string } }>()).user.email;
    const r = await oidcAccount(db(), sso(seed.workspaceId), claims(crypto.randomUUID(), email, false), Date.now());
    expect(r.userId).not.toBe(ann.userId);
    expect(r.created).toBe(true);
    expect((await findMember(db(), seed.workspaceId, r.userId))!.email).toBeNull();
  });

  it("admits only verified emails in the allowed domains when domains are listed", async () => {
    const seed = await seedWorkspace();
    const s = sso(seed.workspaceId, { allowedDomains: ["acme.test"] });
    await expect(oidcAccount(db(), s, claims("x1", "x@evil.test"), Date.now())).rejects.toMatchObject({ code: "email_not_allowed" });
    await expect(oidcAccount(db(), s, claims("x2", "x2@acme.test", false), Date.now())).rejects.toMatchObject({ code: "email_not_allowed" });
    await expect(oidcAccount(db(), s, claims("x3"), Date.now())).rejects.toMatchObject({ code: "email_not_allowed" });
    await expect(oidcAccount(db(), s, claims("x4", "x4@acme.test"), Date.now())).resolves.toMatchObject({ created: true });
  });

  it("does not undo an admin's removal: a removed person is not re-added by signing in again", async () => {
    const seed = await seedWorkspace();
    const sub = crypto.randomUUID();
    const first = await oidcAccount(db(), sso(seed.workspaceId), claims(sub, `${sub}@acme.test`), Date.now());
    expect((await api(`/api/members/${first.userId}`, seed.userToken, { method: "DELETE" })).status).toBe(200);
    await expect(oidcAccount(db(), sso(seed.workspaceId), claims(sub, `${sub}@acme.test`), Date.now())).rejects.toMatchObject({ code: "not_a_member" });
  });

  it("refuses a disabled account", async () => {
    const seed = await seedWorkspace();
    const sub = crypto.randomUUID();
    const first = await oidcAccount(db(), sso(seed.workspaceId), claims(sub), Date.now());
    await env.DB.prepare("UPDATE users SET disabled_at = 1 WHERE id = ?").bind(first.userId).run();
    await expect(oidcAccount(db(), sso(seed.workspaceId), claims(sub), Date.now())).rejects.toMatchObject({ code: "account_disabled" });
  });
});
