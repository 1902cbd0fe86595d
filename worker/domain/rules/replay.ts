/**
 * The dry run of a rule set: what it would have decided for each tool call the workspace recorded,
 * next to what a person (or the clock) actually decided, so "this rule would have allowed 3 calls a
 * person denied" is seen before anyone applies it. Pure; the replay route feeds it D1's approvals.
 * IMPORTANT: each call is judged by `judgeCall`, the function that judges a live call, so the machine
 * owner's deny policy and Claude Code's `requires_user_interaction` flag weigh here exactly as there.
 */
import type { MachineDenyRules, RuleVerdict } from "../../protocol/rules";
import { compileRules, evaluate, type CallContext, type CompiledRules } from "./evaluate";
import { judgeCall } from "./machine";

/**
 * A recorded approval with the session facts a rule can be scoped by, its flags (`requiresUserInteraction`)
 * and the deny policy of its machine (`machine` is [agent id, machine name]).
 */
export interface RecordedApproval extends CallContext {
  id: string;
  sessionId: string;
  createdAt: number;
  status: string;
  via: string | null;
  decidedBy: string | null;
  comment: string | null;
  /** The machine owner's deny policy as it stands (null: none). */
  machineDenyRules?: MachineDenyRules | null;
}

export interface ReplayItem {
  approvalId: string;
  sessionId: string;
  toolName: string;
  /** The command, path or URL, shortened: enough to recognise the call. */
  summary: string;
  createdAt: number;
  verdict: RuleVerdict;
  actual: { status: string; via: string | null; decidedBy: string | null; comment: string | null };
}

export interface ReplayResult {
  total: number;
  counts: { allow: number; deny: number; ask: number };
  /** Where the rules and the people disagree: the figures to read before applying. */
  changes: { allowedButPersonDenied: number; deniedButPersonApproved: number };
  /** Each list holds at most `limit` items (the most recent first); the counts are exact. */
  allow: ReplayItem[];
  deny: ReplayItem[];
  ask: ReplayItem[];
  truncated: boolean;
}

const SUMMARY_KEYS = ["command", "file_path", "notebook_path", "path", "url", "pattern"] as const;

function summaryOf(input: Record<string, unknown>): string {
  const key = SUMMARY_KEYS.find((k) => typeof input[k] === "string");
  const text = key ? (input[key] as string) : JSON.stringify(input);
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

/** Replays `rules` over `recorded` (any order; lists come out most recent first). */
export function replay(rules: CompiledRules, recorded: readonly RecordedApproval[], limit = 200): ReplayResult {
  const out: ReplayResult = {
    total: recorded.length,
    counts: { allow: 0, deny: 0, ask: 0 },
    changes: { allowedButPersonDenied: 0, deniedButPersonApproved: 0 },
    allow: [],
    deny: [],
    ask: [],
    truncated: false,
  };
  const sorted = [...recorded].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  // A machine has one policy: compiled once per machine, not once per call.
  const policies = new Map<string, CompiledRules | null>();
  const policyOf = (r: RecordedApproval): CompiledRules | null => {
    const key = r.machine?.[0] ?? "";
    if (!policies.has(key)) policies.set(key, r.machineDenyRules ? compileRules(r.machineDenyRules, null) : null);
    return policies.get(key) ?? null;
  };
  for (const r of sorted) {
    // judgeCall gives null for an empty rule set (live: a person is asked); evaluate names that ask.
    const verdict = judgeCall(policyOf(r), r.machine?.[1] ?? r.machine?.[0] ?? "", rules, r) ?? evaluate(rules, r);
    const d = verdict.decision;
    out.counts[d]++;
    const byPerson = r.via === "human";
    if (d === "allow" && byPerson && r.status === "denied") out.changes.allowedButPersonDenied++;
    if (d === "deny" && byPerson && r.status === "approved") out.changes.deniedButPersonApproved++;
    if (out[d].length >= limit) {
      out.truncated = true;
      continue;
    }
    out[d].push({
      approvalId: r.id,
      sessionId: r.sessionId,
      toolName: r.toolName,
      summary: summaryOf(r.input),
      createdAt: r.createdAt,
      verdict,
      actual: { status: r.status, via: r.via, decidedBy: r.decidedBy, comment: r.comment },
    });
  }
  return out;
}
