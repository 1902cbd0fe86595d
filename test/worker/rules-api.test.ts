import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../worker/db/client";
import { upsertApproval } from "../../worker/db/approvals";
import { setMachinePolicy } from "../../worker/db/agents";
import { MachineDenyRules, type ReplayResult, type RuleSetVersion, type RuleVerdict } from "../../worker/protocol/rules";
import { api, memberWith, seedWorkspace } from "./helpers";

const YAML = `# the team's rules
rules:
  - id: git-read
    decision: allow
    tool: Bash
    command: ["git status", "git diff *"]
  - id: no-push
    decision: deny
    tool: Bash
    command: git push *
    message: Never push; open a PR.
`;

const put = (token: string, source: string, baseVersion?: number) =>
  api("/api/rules", token, { method: "PUT", json: { source, ...(baseVersion !== undefined ? { baseVersion } : {}) } });

describe("happy", () => {
  it("versions each change with its author and time, audited, and serves the current one", async () => {
    const seed = await seedWorkspace("rules");
    const empty = await (await api("/api/rules", seed.userToken)).json<RuleSetVersion>();
    expect(empty).toMatchObject({ version: 0, ruleSet: { rules: [] } });
    const first = await put(seed.userToken, YAML, 0);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ version: 1, authorId: seed.userId, source: YAML });
    expect((await put(seed.userToken, "rules: []\n", 1)).status).toBe(200);
    const member = await memberWith(seed, "member");
    const current = await (await api("/api/rules", member.token)).json<RuleSetVersion>();
    expect(current).toMatchObject({ version: 2, ruleSet: { rules: [] } });
    const history = await (await api("/api/rules/history", member.token)).json<{ versions: RuleSetVersion[] }>();
    expect(history.versions.map((v) => [v.version, v.authorId])).toEqual([
      [2, seed.userId],
      [1, seed.userId],
    ]);
    expect(history.versions[1]!.ruleSet.rules.map((r) => r.id)).toEqual(["git-read", "no-push"]);
    const audit = await (await api("/api/audit?action=rules.version", seed.userToken)).json<{
      entries: { action: string; target: string; details: unknown }[];
    }>();
    expect(audit.entries.filter((e) => e.action === "rules.version").map((e) => e.target)).toEqual(["rules:v1", "rules:v2"]);
  });

  it("tests a hypothetical call against the current rules or a proposed text", async () => {
    const seed = await seedWorkspace("rules-test");
    await put(seed.userToken, YAML);
    const test = async (command: string, source?: string) =>
      (
        await api("/api/rules/test", seed.userToken, {
          method: "POST",
          json: { call: { toolName: "Bash", input: { command }, cwd: "/repo" }, ...(source ? { source } : {}) },
        })
      ).json<RuleVerdict>();
    expect(await test("git status && git diff")).toMatchObject({ decision: "allow", rule: { id: "git-read", version: 1 } });
    expect(await test("git status; git push")).toMatchObject({ decision: "deny", message: "Never push; open a PR.", rule: { id: "no-push" } });
    expect(await test("git status | sh")).toMatchObject({ decision: "ask" });
    expect(await test("git status", "rules: []")).toMatchObject({ decision: "ask", rule: null });
    // Path globs (picomatch) run in workerd too.
    const paths =
      "rules:\n  - decision: allow\n    tool: Edit\n    path: src/**\n  - decision: deny\n    path: ['.env*', '~/.ssh/**']\n    message: no secrets\n";
    const edit = async (file_path: string) =>
      (
        await api("/api/rules/test", seed.userToken, {
          method: "POST",
          json: { call: { toolName: "Edit", input: { file_path }, cwd: "/repo" }, source: paths },
        })
      ).json<RuleVerdict>();
    expect((await edit("/repo/src/a.ts")).decision).toBe("allow");
    expect((await edit("/repo/.env.local")).decision).toBe("deny");
    expect((await edit("/home/ann/.ssh/config")).decision).toBe("deny");
    expect((await edit("/repo/README.md")).decision).toBe("ask");
  });

  it("replays a proposed rule set over the recorded approvals, next to what people decided", async () => {
    const seed = await seedWorkspace("rules-replay");
    const { id: sessionId } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/repo" } })).json<{
      id: string;
    }>();
    const db = makeDb(env.DB);
    const now = Date.now();
    const approval = (id: string, command: string, status: "approved" | "denied", at: number) =>
      upsertApproval(db, seed.workspaceId, {
        id: id as never,
        sessionId: sessionId as never,
        toolName: "Bash",
        toolUseId: null,
        input: { command },
        inputSha256: "0".repeat(64),
        status,
        createdAt: at,
        expiresAt: at + 1000,
        decidedAt: at + 10,
        decidedBy: "ann@test",
        via: "human",
        comment: status === "denied" ? "no" : null,
        updatedInput: null,
      });
    await db.batch([
      approval("apr_a00000000000000000001", "git status", "denied", now - 1000),
      approval("apr_a00000000000000000002", "git push", "approved", now - 2000),
      approval("apr_a00000000000000000003", "make", "approved", now - 3000),
      approval("apr_a00000000000000000004", "git status", "approved", now - 10 * 86_400_000), // older than the window
    ]);
    const r = await (await api("/api/rules/replay", seed.userToken, { method: "POST", json: { days: 7, source: YAML } })).json<ReplayResult>();
    expect(r).toMatchObject({ total: 3, counts: { allow: 1, deny: 1, ask: 1 }, changes: { allowedButPersonDenied: 1, deniedButPersonApproved: 1 } });
    expect(r.allow[0]).toMatchObject({ summary: "git status", actual: { status: "denied", decidedBy: "ann@test", comment: "no" } });
    expect(r.deny[0]).toMatchObject({ summary: "git push", verdict: { rule: { id: "no-push" } } });
  });

  it("replays with the calls' requires_user_interaction flag and their machine's deny policy, as live calls are judged", async () => {
    const seed = await seedWorkspace("rules-replay-flags");
    const { id: sessionId } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/repo" } })).json<{
      id: string;
    }>();
    const db = makeDb(env.DB);
    await setMachinePolicy(db, seed.agentId, {
      denyRules: MachineDenyRules.parse({
        rules: [{ id: "no-diff-here", decision: "deny", tool: "Bash", command: "git diff *", message: "Not on this machine." }],
      }),
    });
    const now = Date.now();
    const approval = (id: string, command: string, at: number, requiresUserInteraction = false) =>
      upsertApproval(db, seed.workspaceId, {
        id: id as never,
        sessionId: sessionId as never,
        toolName: "Bash",
        toolUseId: null,
        input: { command },
        inputSha256: "0".repeat(64),
        status: "approved",
        createdAt: at,
        expiresAt: at + 1000,
        decidedAt: at + 10,
        decidedBy: "ann@test",
        via: "human",
        comment: null,
        updatedInput: null,
        ...(requiresUserInteraction ? { requiresUserInteraction: true } : {}),
      });
    await db.batch([
      approval("apr_b00000000000000000001", "git status", now - 1000, true), // git-read allows it, but a person must answer
      approval("apr_b00000000000000000002", "git diff HEAD", now - 2000), // git-read allows it, the machine's owner denies it
      approval("apr_b00000000000000000003", "git status", now - 3000), // allowed
    ]);
    const r = await (await api("/api/rules/replay", seed.userToken, { method: "POST", json: { days: 7, source: YAML } })).json<ReplayResult>();
    expect(r.counts).toEqual({ allow: 1, deny: 1, ask: 1 });
    expect(r.ask[0]).toMatchObject({ approvalId: "apr_b00000000000000000001", verdict: { held: true, rule: { id: "git-read" } } });
    expect(r.deny[0]).toMatchObject({
      approvalId: "apr_b00000000000000000002",
      verdict: { decision: "deny", machine: seed.agentName, message: "Not on this machine.", rule: { id: "no-diff-here" } },
    });
  });
});

describe("errors", () => {
  it("names the line and column of a YAML error and of a schema error", async () => {
    const seed = await seedWorkspace("rules-bad");
    const syntax = await put(seed.userToken, "rules:\n  - decision: allow\n   tool: [Bash\n");
    expect(syntax.status).toBe(400);
    expect((await syntax.json<{ error: { message: string } }>()).error.message).toMatch(/line \d+, column \d+/);
    const schema = await put(seed.userToken, "rules:\n  - decision: allow\n  - decision: deny\n    tool: Bash\n");
    expect(schema.status).toBe(400);
    const body = await schema.json<{ error: { message: string; issues: { path: string; message: string }[] } }>();
    expect(body.error.message).toContain("line 3, column 5");
    expect(body.error.message).toContain("a deny rule needs a message");
    const json = await put(seed.userToken, '{"rules": [{"decision": "maybe"}]}');
    expect((await json.json<{ error: { message: string } }>()).error.message).toMatch(/line 1, column \d+: rules\.0\.decision/);
  });

  it("refuses an edit made on a version that is no longer current", async () => {
    const seed = await seedWorkspace("rules-conflict");
    expect((await put(seed.userToken, YAML, 0)).status).toBe(200);
    const stale = await put(seed.userToken, "rules: []", 0);
    expect(stale.status).toBe(409);
    expect((await api("/api/rules", seed.userToken)).status).toBe(200);
  });
});

describe("security", () => {
  it("lets members read and test, and only owners and admins write", async () => {
    const seed = await seedWorkspace("rules-rbac");
    const member = await memberWith(seed, "member");
    const admin = await memberWith(seed, "admin");
    const viewer = await memberWith(seed, "viewer");
    expect((await put(member.token, YAML)).status).toBe(403);
    expect((await put(admin.token, YAML)).status).toBe(200);
    expect((await api("/api/rules", member.token)).status).toBe(200);
    expect((await api("/api/rules", viewer.token)).status).toBe(403);
    const current = await (await api("/api/rules", member.token)).json<RuleSetVersion>();
    expect(current.authorId).toBe(admin.userId);
  });
});
