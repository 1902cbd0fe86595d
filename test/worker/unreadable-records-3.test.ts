/**
 * Stored JSON with security weight that no longer reads, through the real Worker, rooms and D1: a device
 * sign-in's approved scopes, an approver group's members and roles, a rule set, and SSO's allowed email
 * domains. Each fails closed (no token, nobody named, no rule allows, no one admitted) and says why,
 * where before it was a 500 or a wrong grant (a bare string read as a substring match).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { oidcAccount } from "../../worker/auth/accounts";
import { makeDb } from "../../worker/db/client";
import { getSso, putSso } from "../../worker/db/sso";
import type { Approval } from "../../worker/protocol/approval";
import type { ApproverGroup } from "../../worker/protocol/approver-groups";
import type { RuleSetVersion } from "../../worker/protocol/rules";
import type { SsoConfig } from "../../worker/protocol/sign-in";
import { api, envelope, eventually, memberWith, seedWorkspace, startedSession } from "./helpers";

const tamper = (sql: string, ...values: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...values)
    .run();

const messageOf = async (res: Response) => (await res.json<{ error: { message: string } }>()).error.message;

describe("security: a device sign-in whose approved scopes no longer read", () => {
  it("issues no token, saying why and to start again", async () => {
    const seed = await seedWorkspace("unreadable-device-scopes");
    const start = await api("/api/auth/device", null, { method: "POST", json: { kind: "cli" } });
    expect(start.status).toBe(201);
    const { deviceCode, userCode } = await start.json<{ deviceCode: string; userCode: string }>();
    expect((await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode } })).status).toBe(200);
    // A bare string: a token minted with it would read "*" as a substring match.
    const changed = await tamper("update device_codes set scopes = ? where workspace_id = ? and status = 'approved'", JSON.stringify("*"), seed.workspaceId);
    expect(changed.meta.changes).toBe(1);

    const res = await api("/api/auth/device/token", null, { method: "POST", json: { deviceCode } });
    expect(res.status).toBe(403);
    expect(await messageOf(res)).toMatch(/stored scopes could not be read.*no token is issued.*Start the sign-in again/);
  });
});

describe("security: an approver group whose members no longer read", () => {
  it("names nobody, is listed saying why, and a call routed to it goes to the owners and admins", async () => {
    const seed = await seedWorkspace("unreadable-group");
    const ann = await memberWith(seed, "member", "ann");
    expect((await api("/api/approver-groups/sre", seed.userToken, { method: "PUT", json: { members: [ann.userId] } })).status).toBe(200);
    await tamper("update approver_groups set members = ? where workspace_id = ?", JSON.stringify({ everyone: true }), seed.workspaceId);

    const list = await api("/api/approver-groups", seed.userToken);
    expect(list.status).toBe(200);
    expect((await list.json<{ groups: ApproverGroup[] }>()).groups).toMatchObject([
      { name: "sre", members: [], roles: [], unreadable: expect.stringMatching(/members .*could not be read.*names nobody/) },
    ]);

    const rules = "rules:\n  - id: deploys\n    decision: ask\n    tool: Bash\n    command: deploy *\n    decide_by: group:sre\n";
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: rules } })).status).toBe(200);
    const { id, agent } = await startedSession(seed);
    agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: "r1", toolName: "Bash", input: { command: "deploy web" } })] });
    const routed = await eventually(async () => {
      const r = await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: Approval[] }>();
      return r.approvals.find((a) => a.routing) ?? null;
    }, 10_000);
    expect(routed.routing!.eligible).toEqual([seed.userId]);
    expect(JSON.stringify(routed.routing)).toMatch(/owners and admins.*could not be read/);
  });
});

describe("security: a rule set that no longer reads", () => {
  it("allows nothing (the call asks a person), and the current version says why", async () => {
    const seed = await seedWorkspace("unreadable-rules");
    const source = "rules:\n  - id: ls-ok\n    decision: allow\n    tool: Bash\n    command: ls *\n";
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source } })).status).toBe(200);
    await tamper("update rule_set_versions set rules = ? where workspace_id = ?", JSON.stringify({ rules: "allow" }), seed.workspaceId);

    const cur = await api("/api/rules", seed.userToken);
    expect(cur.status).toBe(200);
    expect(await cur.json<RuleSetVersion>()).toMatchObject({
      version: 1,
      ruleSet: { rules: [] },
      unreadable: expect.stringMatching(/could not be read.*every call asks/),
    });

    const { id, agent } = await startedSession(seed);
    agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: "r1", toolName: "Bash", input: { command: "ls -la" } })] });
    const asked = await eventually(async () => {
      const r = await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: Approval[] }>();
      return r.approvals[0] ?? null;
    }, 10_000);
    expect(asked).toMatchObject({ status: "pending" });
    expect(agent.frames.some((f) => f.type === "decision")).toBe(false);
  });
});

describe("security: SSO allowed domains that no longer read", () => {
  it("admit no one, and the settings say why", async () => {
    const seed = await seedWorkspace("unreadable-domains");
    const db = makeDb(env.DB);
    await putSso(db, {
      workspaceId: seed.workspaceId,
      issuer: "https://id.example.com",
      clientId: "tower",
      clientSecretSealed: "sealed",
      label: "Acme",
      allowedDomains: ["acme.test"],
      newUserRole: "member",
      discovery: null,
      updatedBy: "test",
      updatedAt: Date.now(),
    });
    // A bare string: `.includes` would read it as a substring match and admit me.test, cme.test, …
    await tamper("update workspace_sso set allowed_domains = ? where workspace_id = ?", JSON.stringify("acme.test"), seed.workspaceId);

    const sso = (await getSso(db, seed.workspaceId))!;
    const sub = crypto.randomUUID();
    await expect(oidcAccount(db, sso, { sub, email: `${sub}@me.test`, emailVerified: true, name: "Mallory" }, Date.now())).rejects.toMatchObject({
      code: "email_not_allowed",
      message: expect.stringMatching(/allowed email domains could not be read/),
    });
    const shown = await api("/api/workspace/sso", seed.userToken);
    expect(shown.status).toBe(200);
    expect(await shown.json<SsoConfig>()).toMatchObject({
      allowedDomains: [],
      allowedDomainsUnreadable: expect.stringMatching(/could not be read.*no one signs in/),
    });
  });
});
