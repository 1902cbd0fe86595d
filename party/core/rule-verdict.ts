/**
 * A rule's decision on a pending approval, as one step of the room: allow or deny resolve it with
 * `via: "rule"` and the rule's name and version (in the event, and so in the audit entry), exactly
 * as a person's decision would, first one wins. Never allows a call Claude Code says a person must
 * answer, and never acts on an `ask`: that waits for a person.
 */
import type { ApprovalAnswer } from "../../worker/protocol/agent";
import type { RuleVerdict } from "../../worker/protocol/rules";
import type { Draft, StepResult } from "./room";

/** How a rule signs its decision: `rule no-push (v3)`, or its position when it has no id. */
export function ruleSignature(verdict: RuleVerdict): string {
  const r = verdict.rule;
  if (!r) return "rules";
  return `rule ${r.id ?? `#${r.index + 1}`}${r.version !== null ? ` (v${r.version})` : ""}`;
}

export function ruleVerdict(d: Draft, approvalId: string, verdict: RuleVerdict): StepResult {
  const rec = d.state.approvals[approvalId];
  // Decided meanwhile (a person, the clock, a withdrawal): the first decision stands.
  if (rec?.status !== "pending" || verdict.decision === "ask" || !verdict.rule) return d.done();
  if (verdict.decision === "allow" && rec.requiresUserInteraction) return d.done();
  if (d.ctx.now >= rec.expiresAt) return d.done();
  const by = ruleSignature(verdict);
  const allow = verdict.decision === "allow";
  const message = verdict.message ?? `Denied by ${by}.`;
  const answer: ApprovalAnswer = allow ? { behavior: "allow" } : { behavior: "deny", message };
  const next = d.resolveApproval(rec, allow ? "approved" : "denied", "rule", by, allow ? verdict.reason : message, null, answer, verdict.rule);
  d.clearedIfNone(`${rec.toolName} ${next.status} by ${by}`);
  return d.done(next);
}
