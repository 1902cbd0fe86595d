/**
 * "Always allow this": each proposed rule, run through the real engine, allows the call it came from
 * and nothing next to it (another command, directory, file or tool); calls it cannot pin down get none.
 */
import { describe, expect, it } from "vitest";
import { compileRules, evaluate } from "../../worker/domain/rules/evaluate";
import { proposeRule, type ProposalCall } from "../../worker/protocol/rule-proposal";
import { RuleSet } from "../../worker/protocol/rules";

const NOW = 1_800_000_000_000;

/** What the proposal for `from`, alone in a rule set, decides for `to` (in `cwd`). */
function decides(from: ProposalCall, to: { toolName: string; input: Record<string, unknown>; cwd?: string }) {
  const p = proposeRule(from, NOW);
  if (!p.ok) throw new Error(p.why);
  const set = compileRules(RuleSet.parse({ rules: [p.rule] }), 1);
  return evaluate(set, { toolName: to.toolName, input: to.input, cwd: to.cwd ?? from.cwd ?? "/", home: "/home/ann" }).decision;
}

describe("proposeRule", () => {
  const bash = (command: string, cwd: string | null = "/repo"): ProposalCall => ({ toolName: "Bash", input: { command }, cwd });

  it("Bash: this exact command, in this directory (and below), and nothing else", () => {
    const from = bash("npm run test -- --watch=false");
    expect(decides(from, { toolName: "Bash", input: { command: "npm run test -- --watch=false" } })).toBe("allow");
    expect(decides(from, { toolName: "Bash", input: { command: "npm run test -- --watch=false" }, cwd: "/repo/web" })).toBe("allow");
    expect(decides(from, { toolName: "Bash", input: { command: "npm run test -- --watch=false" }, cwd: "/other" })).toBe("ask");
    expect(decides(from, { toolName: "Bash", input: { command: "npm run test -- --watch=false extra" } })).toBe("ask");
    expect(decides(from, { toolName: "Bash", input: { command: "npm run build" } })).toBe("ask");
    expect(decides(from, { toolName: "Bash", input: { command: "npm run test -- --watch=false && rm -rf /" } })).toBe("ask");
    expect(decides(bash(`git commit -m "fix the bug"`), { toolName: "Bash", input: { command: `git commit -m "fix the bug"` } })).toBe("allow");
  });

  it("Bash: no proposal for compound commands, glob characters or an unknown directory", () => {
    for (const c of ["ls | wc -l", "a && b", "echo $(id)", "cat x > y", "rm *.log", "ls ?"]) expect(proposeRule(bash(c), NOW).ok).toBe(false);
    expect(proposeRule(bash("ls", null), NOW).ok).toBe(false);
  });

  it("Write/Edit: this file only (a relative path resolved against the cwd)", () => {
    const from: ProposalCall = { toolName: "Edit", input: { file_path: "src/../src/a.ts", old_string: "x", new_string: "y" }, cwd: "/repo" };
    const p = proposeRule(from, NOW);
    expect(p.ok && p.rule).toMatchObject({ decision: "allow", tool: "Edit", path: "/repo/src/a.ts" });
    expect(decides(from, { toolName: "Edit", input: { file_path: "/repo/src/a.ts" } })).toBe("allow");
    expect(decides(from, { toolName: "Edit", input: { file_path: "/repo/src/b.ts" } })).toBe("ask");
    expect(decides(from, { toolName: "Write", input: { file_path: "/repo/src/a.ts" } })).toBe("ask");
    expect(proposeRule({ toolName: "Write", input: { file_path: "/repo/[x].ts" }, cwd: "/repo" }, NOW).ok).toBe(false);
  });

  it("MCP: this tool, and no other tool of the server", () => {
    const from: ProposalCall = { toolName: "mcp__github__create_issue", input: { title: "t" }, cwd: null };
    expect(decides(from, { toolName: "mcp__github__create_issue", input: {}, cwd: "/anywhere" })).toBe("allow");
    expect(decides(from, { toolName: "mcp__github__delete_repo", input: {}, cwd: "/anywhere" })).toBe("ask");
  });

  it("WebFetch: this host", () => {
    const from: ProposalCall = { toolName: "WebFetch", input: { url: "https://docs.python.org/3/" }, cwd: "/repo" };
    expect(decides(from, { toolName: "WebFetch", input: { url: "https://docs.python.org/other" } })).toBe("allow");
    expect(decides(from, { toolName: "WebFetch", input: { url: "https://evil.example/" } })).toBe("ask");
  });

  it("honours the SDK's flags: no offer when suppressed, never for a call that needs a person", () => {
    expect(proposeRule({ ...bash("ls"), suppressAlwaysAllowRule: true }, NOW)).toMatchObject({ ok: false });
    expect(proposeRule({ ...bash("ls"), requiresUserInteraction: true }, NOW)).toMatchObject({ ok: false });
  });

  it("gives the rule an id the schema accepts, naming the tool", () => {
    const p = proposeRule({ toolName: "mcp__my server__do it", input: {}, cwd: null }, NOW);
    expect(p.ok && RuleSet.safeParse({ rules: [p.rule] }).success).toBe(true);
    expect(p.ok && p.rule.id).toMatch(/^always-mcp__my-server__do-it-[0-9a-z]+$/);
  });
});
