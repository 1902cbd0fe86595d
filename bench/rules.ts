/**
 * The rule engine's speed: one evaluation per tool call against a 500-rule set (target p95 ≤ 0.2 ms),
 * over a mix of calls (compound Bash, paths, MCP tools, hosts). Pure (no server); part `rules` of
 * `npm run bench`, with the replay of 10,000 recorded approvals. Timed in microseconds: the shared `stats` rounds to 0.01 ms.
 */
import { RuleSet, type RuleInput } from "../worker/protocol/rules";
import { compileRules, evaluate, type CallContext } from "../worker/domain/rules/evaluate";
import { replay, type RecordedApproval } from "../worker/domain/rules/replay";

export interface RulesFigures {
  rules: number;
  calls: number;
  /** Microseconds per evaluation. */
  p50Us: number;
  p95Us: number;
  p99Us: number;
  compileMs: number;
}

/** 500 rules of the kinds a team writes, most of them scoped so that few apply to a given session. */
export function benchRuleSet(n = 500): RuleSet {
  const rules: RuleInput[] = [];
  for (let i = 0; rules.length < n; i++) {
    const scope =
      i % 5 === 0 ? undefined : i % 5 === 1 ? { directory: `/work/repo${i % 40}` } : i % 5 === 2 ? { machine: `agt_${i % 30}` } : { template: `tpl_${i % 25}` };
    rules.push({ decision: "allow", tool: "Bash", command: [`tool${i} *`, `npm run task${i}`], ...(scope ? { scope } : {}) });
    rules.push({ decision: "deny", path: [`secrets${i}/**`, `.env.${i}`], message: `secret ${i}`, ...(scope ? { scope } : {}) });
    rules.push({ decision: "allow", tool: `mcp__server${i}__*` });
    rules.push({ decision: i % 2 ? "allow" : "ask", tool: "WebFetch", host: [`*.host${i}.com`] });
    rules.push({ decision: "allow", tool: ["Edit", "Write"], path: `src${i}/**`, location: "inside" });
  }
  rules.length = n - 2;
  rules.push(
    { decision: "allow", tool: "Bash", command: ["git status", "git diff *", "ls *", "grep *"] },
    { decision: "deny", path: "~/.ssh/**", message: "no" },
  );
  return RuleSet.parse({ rules });
}

const CALLS: CallContext[] = [
  { toolName: "Bash", input: { command: "git status && git diff --stat | grep src > /dev/null" }, cwd: "/work/repo3" },
  { toolName: "Bash", input: { command: "npm run task17 && tool3 build $(git status) > out.txt" }, cwd: "/work/repo7/app", machine: ["agt_2"] },
  { toolName: "Edit", input: { file_path: "src9/app/main.ts" }, cwd: "/work/repo9", template: ["tpl_3"] },
  { toolName: "Read", input: { file_path: "/home/ann/.ssh/id_ed25519" }, cwd: "/work/repo1" },
  { toolName: "mcp__server77__get_issue", input: { id: 1 }, cwd: "/work/repo1" },
  { toolName: "WebFetch", input: { url: "https://docs.host42.com/x" }, cwd: "/work/repo1" },
];

export function rulesBench(calls = 20_000): RulesFigures {
  const set = benchRuleSet();
  const c0 = performance.now();
  const compiled = compileRules(set, 1);
  const compileMs = performance.now() - c0;
  for (let i = 0; i < 2000; i++) evaluate(compiled, CALLS[i % CALLS.length]!); // warm-up: JIT, per-cwd glob caches
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    evaluate(compiled, CALLS[i % CALLS.length]!);
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]! * 10) / 10;
  return { rules: set.rules.length, calls, p50Us: at(0.5), p95Us: at(0.95), p99Us: at(0.99), compileMs: Math.round(compileMs * 10) / 10 };
}

/** Replay (the pure core) of `n` recorded approvals against the 500-rule set (target ≤ 2 s for 10,000). */
export function replayBench(n = 10_000): { approvals: number; ms: number } {
  const compiled = compileRules(benchRuleSet(), 1);
  // Each call distinct (a file or argument of its own), so no verdict can be reused from an identical call.
  const distinct = (c: CallContext, i: number): CallContext => {
    const input = { ...c.input };
    for (const k of ["command", "file_path", "url"] as const) if (typeof input[k] === "string") input[k] = `${input[k]}${k === "command" ? ` arg${i}` : i}`;
    return { ...c, input };
  };
  const recorded: RecordedApproval[] = Array.from({ length: n }, (_, i) => ({
    ...distinct(CALLS[i % CALLS.length]!, i),
    id: `apr_${i}`,
    sessionId: `ses_${i % 50}`,
    createdAt: i,
    status: i % 3 ? "approved" : "denied",
    via: "human",
    decidedBy: "ann",
    comment: null,
  }));
  const t0 = performance.now();
  replay(compiled, recorded);
  return { approvals: n, ms: Math.round(performance.now() - t0) };
}
