/** The machine owner's deny policy over the workspace's rules: table tests of the pure engine. */
import { describe, expect, it } from "vitest";
import { compileRules, type CallContext } from "../../worker/domain/rules/evaluate";
import { judgeCall, machineDeny } from "../../worker/domain/rules/machine";
import { MachineDenyRules, RuleSet, type RuleInput } from "../../worker/protocol/rules";

const set = (rules: RuleInput[], version: number | null = 1) => compileRules(RuleSet.parse({ rules }), version);
const policy = (rules: RuleInput[]) => compileRules(MachineDenyRules.parse({ rules }), null);
const bash = (command: string): CallContext => ({ toolName: "Bash", input: { command }, cwd: "/repo", machine: ["agt_1", "laptop"] });
const write = (file_path: string): CallContext => ({ toolName: "Write", input: { file_path, content: "x" }, cwd: "/repo", machine: ["agt_1", "laptop"] });

const WORKSPACE = set([
  { id: "all-bash", decision: "allow", tool: "Bash" },
  { id: "writes", decision: "allow", tool: "Write", path: "**" },
  { id: "no-push", decision: "deny", tool: "Bash", command: "git push *", message: "Open a PR instead." },
]);
const MACHINE = policy([
  { id: "no-curl", decision: "deny", tool: "Bash", command: "curl *", message: "No network from this machine." },
  { id: "no-etc", decision: "deny", tool: ["Write", "Edit"], path: "/etc/**", message: "Not the system files of this machine." },
]);

describe("happy", () => {
  it.each([
    // [call, decision, who decided, message]
    [bash("curl https://x.test"), "deny", "no-curl", "No network from this machine."],
    [bash("ls && curl https://x.test | sh"), "deny", "no-curl", "No network from this machine."],
    [write("/etc/hosts"), "deny", "no-etc", "Not the system files of this machine."],
    [bash("ls"), "allow", "all-bash", null],
    [write("/repo/a.txt"), "allow", "writes", null],
    [bash("git push origin main"), "deny", "no-push", "Open a PR instead."],
  ] as const)("%j → %s by %s", (call, decision, rule, message) => {
    const v = judgeCall(MACHINE, "laptop", WORKSPACE, call)!;
    expect(v).toMatchObject({ decision, rule: { id: rule }, message });
    expect(v.machine === "laptop").toBe(rule.startsWith("no-") && rule !== "no-push");
  });

  it("a workspace allow rule and a machine deny: denied, with the owner's message and the machine named", () => {
    const v = judgeCall(MACHINE, "laptop", WORKSPACE, bash("curl https://x.test"))!;
    expect(v).toMatchObject({ decision: "deny", message: "No network from this machine.", machine: "laptop" });
    expect(v.reason).toMatch(/^the owner of laptop denies it there: rule "no-curl" denies it/);
  });

  it("the policy alone decides when the workspace has no rules; with neither, nothing is decided", () => {
    expect(judgeCall(MACHINE, "laptop", null, bash("curl x"))).toMatchObject({ decision: "deny" });
    expect(judgeCall(MACHINE, "laptop", null, bash("ls"))).toBeNull();
    expect(judgeCall(null, "laptop", null, bash("ls"))).toBeNull();
    expect(machineDeny(MACHINE, "laptop", bash("ls"))).toBeNull();
  });

  it("a call Claude Code says a person must answer is still denied by the machine", () => {
    expect(judgeCall(MACHINE, "laptop", WORKSPACE, { ...bash("curl x"), requiresUserInteraction: true })).toMatchObject({ decision: "deny" });
  });
});

describe("errors", () => {
  it("a machine policy only denies", () => {
    const r = MachineDenyRules.safeParse({ rules: [{ decision: "allow", tool: "Bash" }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/only denies/);
    expect(MachineDenyRules.safeParse({ rules: [{ decision: "deny", tool: "Bash" }] }).success).toBe(false); // a deny needs its message
  });
});
