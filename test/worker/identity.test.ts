/**
 * Identity: an invitation, a device login or a workspace switch never hands out an existing
 * account's identity, nor more scopes than the person who approved it holds (DESIGN.md, Identity).
 */
import { describe, expect, it } from "vitest";
import { browserFetch, signInBrowser } from "./browser";
import { api, memberWith, seedWorkspace, tokenFor } from "./helpers";

type Issued = { code: string; invitation: { id: string } };
const invite = async (token: string, body: Record<string, unknown> = {}) =>
  (await (await api("/api/invitations", token, { method: "POST", json: { role: "viewer", ...body } })).json<Issued>()).code;
const accept = (code: string, body: Record<string, unknown>, token: string | null = null) =>
  api("/api/invitations/accept", token, { method: "POST", json: { code, ...body } });
const emailOf = async (token: string) => (await (await api("/api/me", token)).json<{ user: { email: string } }>()).user.email;

describe("security: invitations never take over an existing account", () => {
  it("refuses an anonymous accept with the email of an existing member (a viewer's link never becomes an admin's token)", async () => {
    const seed = await seedWorkspace();
    const admin = await memberWith(seed, "admin");
    const code = await invite(seed.userToken);
    const res = await accept(code, { name: "Eve", email: await emailOf(admin.token) });
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/sign in/i);
    // The code is not spent by the refusal: the person it was meant for can still use it.
    const ok = await accept(code, { name: "Newcomer", email: `new-${crypto.randomUUID()}@example.com` });
    expect(ok.status).toBe(200);
    expect((await ok.json<{ role: string }>()).role).toBe("viewer");
  });

  it("refuses across workspaces: B's owner cannot become an A member by accepting B's own invitation with their email", async () => {
    const a = await seedWorkspace("a");
    const b = await seedWorkspace("b");
    const aAdmin = await memberWith(a, "admin");
    const code = await invite(b.userToken, { role: "member" });
    expect((await accept(code, { name: "Eve", email: await emailOf(aAdmin.token) })).status).toBe(409);
  });

  it("joins the signed-in person it was meant for, with the invitation's role and no more scopes than their token", async () => {
    const a = await seedWorkspace("a");
    const b = await seedWorkspace("b");
    const ann = await memberWith(a, "member", "ann");
    const annEmail = await emailOf(ann.token);
    const code = await invite(b.userToken, { role: "viewer", email: annEmail });
    const readOnly = await tokenFor(a.workspaceId, ann.userId, "ann@test", { scopes: ["read"] });
    const res = await accept(code, {}, readOnly);
    expect(res.status).toBe(200);
    const joined = await res.json<{ token: string; role: string; userId: string; workspaceId: string }>();
    expect(joined).toMatchObject({ role: "viewer", userId: ann.userId, workspaceId: b.workspaceId });
    const me = await (await api("/api/me", joined.token)).json<{ scopes: string[]; workspaces: { workspaceId: string }[] }>();
    expect(me.scopes).toEqual(["read"]);
    expect(me.workspaces.map((w) => w.workspaceId).sort()).toEqual([a.workspaceId, b.workspaceId].sort());
  });

  it("refuses a signed-in person whose email is not the one the invitation names, and one who is already a member", async () => {
    const seed = await seedWorkspace();
    const bob = await memberWith(seed, "member", "bob");
    const other = await seedWorkspace("other");
    const carol = await memberWith(other, "member", "carol");
    const forSomeoneElse = await invite(seed.userToken, { email: "someone@example.com" });
    expect((await accept(forSomeoneElse, {}, carol.token)).status).toBe(403);
    const open = await invite(seed.userToken, { role: "admin" });
    const again = await accept(open, {}, bob.token);
    expect(again.status).toBe(409);
    expect((await (await api("/api/me", bob.token)).json<{ role: string }>()).role).toBe("member");
  });

  it("asks a newcomer for a name and an email", async () => {
    const seed = await seedWorkspace();
    const code = await invite(seed.userToken);
    expect((await accept(code, {})).status).toBe(400);
  });
});

describe("security: members' emails", () => {
  it("shows emails to owners and admins, and only your own to other roles", async () => {
    const seed = await seedWorkspace();
    const viewer = await memberWith(seed, "viewer", "vic");
    const asViewer = await (await api("/api/members", viewer.token)).json<{ members: { userId: string; email: string | null }[] }>();
    for (const m of asViewer.members) expect(m.email === null || m.userId === viewer.userId).toBe(true);
    expect(asViewer.members.find((m) => m.userId === viewer.userId)?.email).toMatch(/@/);
    const asOwner = await (await api("/api/members", seed.userToken)).json<{ members: { email: string | null }[] }>();
    expect(asOwner.members.every((m) => m.email)).toBe(true);
  });
});

describe("security: device sign-in never grants more than the approver holds", () => {
  it("a token scoped to `tokens` that approves a device login gets a device token with the same scopes, not `*`", async () => {
    const seed = await seedWorkspace();
    const narrow = await tokenFor(seed.workspaceId, seed.userId, "narrow@test", { scopes: ["tokens"] });
    const flow = await (await api("/api/auth/device", null, { method: "POST", json: { kind: "cli" } })).json<{ deviceCode: string; userCode: string }>();
    expect((await api("/api/auth/device/approve", narrow, { method: "POST", json: { userCode: flow.userCode } })).status).toBe(200);
    const done = await (await api("/api/auth/device/token", null, { method: "POST", json: { deviceCode: flow.deviceCode } })).json<{ token: string }>();
    const me = await (await api("/api/me", done.token)).json<{ scopes: string[] }>();
    expect(me.scopes).toEqual(["tokens"]);
    expect((await api("/api/tokens", done.token, { method: "POST", json: { name: "escalate", scopes: ["*"] } })).status).toBe(403);
  });
});

describe("security: revoking a token ends the browser sessions made from it", () => {
  it("signs out a browser that exchanged the token, on revoke and on rotate", async () => {
    for (const how of ["revoke", "rotate"] as const) {
      const seed = await seedWorkspace();
      const token = await tokenFor(seed.workspaceId, seed.userId, "laptop@test");
      const cookie = await signInBrowser(token);
      expect((await browserFetch("/api/me", { cookie })).status).toBe(200);
      const { tokens } = await (await api("/api/tokens", seed.userToken)).json<{ tokens: { id: string; name: string }[] }>();
      const id = tokens.find((t) => t.name === "laptop@test")!.id;
      const res =
        how === "revoke"
          ? await api(`/api/tokens/${id}`, seed.userToken, { method: "DELETE" })
          : await api(`/api/tokens/${id}/rotate`, seed.userToken, { method: "POST" });
      expect(res.status).toBe(200);
      expect((await browserFetch("/api/me", { cookie })).status).toBe(401);
    }
  });
});
