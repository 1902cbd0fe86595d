/**
 * The machine owner's deny policy on top of the workspace's rules: "a rule can never allow what the
 * machine's owner has denied for that machine". The policy is judged first, and a call it denies is
 * denied with its message whatever the workspace's rules say; otherwise the workspace's rules judge.
 * Pure; the session room calls it for every tool call (party/room-rules.ts).
 */
import type { RuleVerdict } from "../../protocol/rules";
import { evaluate, type CallContext, type CompiledRules } from "./evaluate";

/** The policy's deny for `call`, or null when it denies nothing there (deny-only: an unmatched call is no verdict). */
export function machineDeny(policy: CompiledRules | null, machine: string, call: CallContext): RuleVerdict | null {
  if (!policy || policy.rules.length === 0) return null;
  const v = evaluate(policy, call);
  if (v.decision !== "deny") return null;
  return { ...v, machine, reason: `the owner of ${machine} denies it there: ${v.reason}` };
}

/**
 * The verdict on one call: the machine's policy first, then the workspace's rules (null: neither has
 * a rule for it, so a person is asked).
 */
export function judgeCall(policy: CompiledRules | null, machine: string, workspace: CompiledRules | null, call: CallContext): RuleVerdict | null {
  const denied = machineDeny(policy, machine, call);
  if (denied) return denied;
  if (!workspace || workspace.rules.length === 0) return null;
  return evaluate(workspace, call);
}
