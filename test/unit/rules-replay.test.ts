import { describe, expect, it } from "vitest";
import { RuleSet } from "../../worker/protocol/rules";
import { compileRules } from "../../worker/domain/rules/evaluate";
import { judgeCall } from "../../worker/domain/rules/machine";
import { replay, type RecordedApproval } from "../../worker/domain/rules/replay";

let n = 0;
const rec = (toolName: string, input: Record<string, unknown>, status: string, extra: Partial<RecordedApproval> = {}): RecordedApproval => ({
  id: `apr_${String(++n).padStart(3, "0")}`,
  sessionId: "ses_a",
  toolName,
  input,
  cwd: "/repo",
  machine: ["agt_1", "laptop"],
  createdAt: 1_000 + n,
  status,
  via: status === "expired" ? "timeout" : "human",
  decidedBy: status === "expired" ? null : "ann@example.com",
  comment: status === "denied" ? "not now" : null,
  ...extra,
});

/** Ten recorded calls: what people decided, and what the proposed rules say. */
const FIXTURE: RecordedApproval[] = [
  rec("Bash", { command: "git status" }, "approved"), // allow
  rec("Bash", { command: "git diff HEAD" }, "approved"), // allow
  rec("Bash", { command: "git status && curl x | sh" }, "denied"), // ask (curl, sh)
  rec("Bash", { command: "git push origin main" }, "approved"), // deny: a person approved it
  rec("Bash", { command: "git push -f" }, "denied"), // deny
  rec("Read", { file_path: "/repo/.env" }, "approved"), // deny: a person approved it
  rec("Edit", { file_path: "/repo/src/a.ts" }, "denied"), // allow: a person denied it
  rec("Edit", { file_path: "/repo/src/b.ts" }, "expired"), // allow (the clock, not a person)
  rec("WebFetch", { url: "https://example.com" }, "approved"), // ask (no rule)
  rec("Edit", { file_path: "/repo/src/c.ts" }, "approved", { machine: ["agt_2", "server"] }), // ask: the allow is scoped to the laptop
];

const RULES = compileRules(
  RuleSet.parse({
    rules: [
      { id: "git-read", decision: "allow", tool: "Bash", command: ["git status", "git diff *"] },
      { id: "no-push", decision: "deny", tool: "Bash", command: "git push *", message: "Open a PR." },
      { id: "no-env", decision: "deny", path: ".env*", message: "No secrets." },
      { id: "src", decision: "allow", tool: "Edit", path: "src/**", scope: { machine: "laptop" } },
    ],
  }),
  7,
);

describe("replay", () => {
  it("gives the exact counts, the disagreements and the lists, each with what was actually decided", () => {
    const r = replay(RULES, FIXTURE);
    expect(r.total).toBe(10);
    expect(r.counts).toEqual({ allow: 4, deny: 3, ask: 3 });
    expect(r.changes).toEqual({ allowedButPersonDenied: 1, deniedButPersonApproved: 2 });
    expect(r.allow.map((i) => i.summary)).toEqual(["/repo/src/b.ts", "/repo/src/a.ts", "git diff HEAD", "git status"]);
    expect(r.deny.map((i) => [i.summary, i.verdict.rule?.id, i.actual.status])).toEqual([
      ["/repo/.env", "no-env", "approved"],
      ["git push -f", "no-push", "denied"],
      ["git push origin main", "no-push", "approved"],
    ]);
    expect(r.ask.map((i) => i.summary)).toEqual(["/repo/src/c.ts", "https://example.com", "git status && curl x | sh"]);
    expect(r.allow[1]).toMatchObject({
      approvalId: "apr_007",
      verdict: { decision: "allow", rule: { id: "src", version: 7 } },
      actual: { status: "denied", via: "human", decidedBy: "ann@example.com", comment: "not now" },
    });
    expect(r.truncated).toBe(false);
  });

  it("keeps the counts exact when the lists are cut", () => {
    const r = replay(RULES, FIXTURE, 1);
    expect(r.counts).toEqual({ allow: 4, deny: 3, ask: 3 });
    expect([r.allow.length, r.deny.length, r.ask.length]).toEqual([1, 1, 1]);
    expect(r.truncated).toBe(true);
  });

  it("applies Claude Code's requires_user_interaction flag and the machine's deny policy exactly as a live call is judged", () => {
    const policy = RuleSet.parse({ rules: [{ id: "no-status", decision: "deny", tool: "Bash", command: "git status", message: "Not on prod." }] });
    const onProd = { machine: ["agt_9", "prod"], machineDenyRules: policy };
    const recorded = [
      rec("Bash", { command: "git status" }, "approved", { requiresUserInteraction: true }), // allowed by git-read, but a person must answer
      rec("Bash", { command: "git status" }, "approved", onProd), // allowed by git-read, denied by prod's owner
      rec("Bash", { command: "git diff HEAD" }, "approved", onProd), // prod's policy says nothing: git-read allows it
      rec("Bash", { command: "git push -f" }, "denied", onProd), // the workspace's deny stands
    ];
    const r = replay(RULES, recorded);
    expect(r.counts).toEqual({ allow: 1, deny: 2, ask: 1 });
    expect(r.ask[0]!.verdict).toMatchObject({ decision: "ask", held: true, rule: { id: "git-read" } });
    expect(r.deny.map((i) => [i.summary, i.verdict.rule?.id, i.verdict.machine ?? null])).toEqual([
      ["git push -f", "no-push", null],
      ["git status", "no-status", "prod"],
    ]);
    expect(r.deny[1]!.verdict.message).toBe("Not on prod.");
    // One mechanism: each replayed verdict is the one the live path (judgeCall) gives the same call.
    const live = (a: RecordedApproval) => judgeCall(a.machineDenyRules ? compileRules(a.machineDenyRules, null) : null, a.machine?.[1] ?? "", RULES, a);
    const byId = new Map([...r.allow, ...r.deny, ...r.ask].map((i) => [i.approvalId, i.verdict]));
    for (const a of recorded) expect(byId.get(a.id)).toEqual(live(a));
  });
});
