import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../agent/cli/config";
import { runCli } from "../../agent/cli/program";
import type { ReplayResult, RuleSetVersion } from "../../worker/protocol/rules";
import { cliHarness, NOW } from "./cli-fixtures";

const harness = cliHarness;

const V3: RuleSetVersion = {
  version: 3,
  ruleSet: { rules: [{ id: "git-read", decision: "allow", tool: ["Bash"], command: ["git status"] }] },
  source: "# team rules\nrules:\n  - id: git-read\n    decision: allow\n    tool: Bash\n    command: git status\n",
  authorId: "usr_1",
  createdAt: NOW,
};

describe("tower rules", () => {
  it("show prints the rules as written, with the version; --json the whole version", async () => {
    const { run } = harness(() => ({ json: V3 }));
    const shown = await run("rules", "show");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("# version 3");
    expect(shown.stdout).toContain("# team rules\nrules:");
    expect(JSON.parse((await harness(() => ({ json: V3 })).run("rules", "show", "--json")).stdout)).toEqual(V3);
  });

  it("apply sends the file's text as written; a 400 exits 2 with the line and column", async () => {
    const { run, sent, cwd } = harness((req) =>
      req.body && (req.body as { source: string }).source.includes("maybe")
        ? {
            status: 400,
            json: { error: { code: "BAD_REQUEST", message: "The rule set is invalid: line 3, column 17: rules.0.decision: Invalid option", requestId: "r" } },
          }
        : { json: V3 },
    );
    writeFileSync(join(cwd, "rules.yaml"), V3.source);
    const ok = await run("rules", "apply", "rules.yaml");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("version 3");
    expect(sent[0]).toMatchObject({ method: "PUT", body: { source: V3.source } });
    expect(sent[0]!.url.pathname).toBe("/api/rules");
    writeFileSync(join(cwd, "bad.yaml"), "rules:\n  - decision: maybe\n");
    const bad = await run("rules", "apply", "bad.yaml");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("line 3, column 17");
  });

  it("test sends the hypothetical call and prints the verdict", async () => {
    const { run, sent } = harness(() => ({
      json: { decision: "deny", rule: { index: 1, id: "no-push", version: 3 }, message: "Open a PR.", reason: 'rule "no-push" denies it' },
    }));
    const r = await run("rules", "test", "--tool", "Bash", "--command", "git push", "--cwd", "/repo");
    expect(r.stdout).toContain('deny: rule "no-push" denies it');
    expect(r.stdout).toContain("Claude reads: Open a PR.");
    expect(sent[0]!.body).toEqual({ call: { toolName: "Bash", input: { command: "git push" }, cwd: "/repo" } });
  });

  it("replay --days N prints the counts, the disagreements and each list", async () => {
    const result: ReplayResult = {
      version: 3,
      days: 3,
      total: 2,
      counts: { allow: 1, deny: 0, ask: 1 },
      changes: { allowedButPersonDenied: 1, deniedButPersonApproved: 0 },
      allow: [
        {
          approvalId: "apr_1",
          sessionId: "ses_1",
          toolName: "Bash",
          summary: "git status",
          createdAt: NOW,
          verdict: { decision: "allow", rule: { index: 0, id: "git-read", version: 3 }, message: null, reason: "x" },
          actual: { status: "denied", via: "human", decidedBy: "ann", comment: "no" },
        },
      ],
      deny: [],
      ask: [],
      truncated: false,
    };
    const { run, sent } = harness(() => ({ json: result }));
    const r = await run("rules", "replay", "--days", "3");
    expect(sent[0]).toMatchObject({ method: "POST", body: { days: 3, limit: 50 } });
    expect(r.stdout).toContain("2 recorded calls in the last 3 days: 1 would be allowed, 0 denied, 1 asked");
    expect(r.stdout).toContain("1 allowed that a person denied");
    expect(r.stdout).toMatch(/git status\s+denied by ann/);
    expect(JSON.parse((await harness(() => ({ json: result })).run("rules", "replay", "--json")).stdout)).toEqual(result);
  });
});
