/**
 * A rule's decision on a pending approval, as one step of the room: allow or deny resolve it with
 * `via: "rule"` and the rule's name and version (in the event, and so in the audit entry), exactly
 * as a person's decision would, first one wins. Never allows a call Claude Code says a person must
 * answer (interaction.ts), and never decides an `ask`: that waits for a person.
 */
import type { ApprovalAnswer } from "../../worker/protocol/agent";
import type { ApprovalRouting } from "../../worker/protocol/approval";
import type { RuleVerdict } from "../../worker/protocol/rules";
import { heldBack } from "./interaction";
import type { ApprovalRecord, Draft, StepResult } from "./room";
import { armRoutingTimers } from "./routing";

/** How a rule signs its decision: `rule no-push (v3)`, or its position when it has no id. */
export function ruleSignature(verdict: RuleVerdict): string {
  const r = verdict.rule;
  if (!r) return "rules";
  const name = `rule ${r.id ?? `#${r.index + 1}`}`;
  if (verdict.machine) return `the machine policy of ${verdict.machine} (${name})`;
  return `${name}${r.version !== null ? ` (v${r.version})` : ""}`;
}

/**
 * `applied`: the agent already applied this verdict (the room sent it, sealed, before its record was durable,
 * and lost that record): it is recorded as it is. The checks below ran when the room first decided it.
 */
export function ruleVerdict(d: Draft, approvalId: string, verdict: RuleVerdict, routing?: ApprovalRouting, applied = false): StepResult {
  const rec = d.state.approvals[approvalId];
  // Decided meanwhile (a person, the clock, a withdrawal): the first decision stands.
  if (rec?.status !== "pending" || !verdict.rule) return d.done();
  if (applied && verdict.decision !== "ask" && !verdict.held) return resolved(d, rec, verdict);
  if (verdict.held) return heldBack(d, rec, verdict);
  if (verdict.decision === "ask") return routed(d, rec, routing);
  // The engine already holds back an allow for such a call; a verdict from elsewhere is held the same way.
  if (verdict.decision === "allow" && rec.requiresUserInteraction)
    return heldBack(d, rec, { ...verdict, reason: `${verdict.reason}, but Claude Code requires a person to answer this request` });
  // A rule signs nothing the machine could verify: on a machine that requires signed decisions a person decides.
  if (verdict.decision === "allow" && d.session.requireSignedDecisions)
    return heldBack(d, rec, { ...verdict, reason: `${verdict.reason}, but ${d.session.agentName} requires signed decisions, so a person decides` });
  if (d.ctx.now >= rec.expiresAt) return d.done();
  return resolved(d, rec, verdict);
}

function resolved(d: Draft, rec: ApprovalRecord, verdict: RuleVerdict): StepResult {
  const by = ruleSignature(verdict);
  const allow = verdict.decision === "allow";
  const message = verdict.message ?? `Denied by ${by}.`;
  const answer: ApprovalAnswer = allow ? { behavior: "allow" } : { behavior: "deny", message };
  const next = d.resolveApproval(rec, allow ? "approved" : "denied", "rule", by, allow ? verdict.reason : message, null, answer, verdict);
  d.clearedIfNone(`${rec.toolName} ${next.status} by ${by}`);
  return d.done(next);
}

/**
 * An ask that names who decides: the approval keeps its eligible people and quorum from now on (a
 * person who decided before it was routed stands). Its event and mirror carry them to the inbox.
 */
function routed(d: Draft, rec: ApprovalRecord, routing: ApprovalRouting | undefined): StepResult {
  if (!routing || rec.routing) return d.done();
  const next: ApprovalRecord = { ...rec, routing };
  d.state = { ...d.state, approvals: { ...d.state.approvals, [rec.id]: next } };
  d.effects.push({ type: "save-approval", approval: next });
  d.emit({ type: "approval-routed", approvalId: rec.id, routing });
  armRoutingTimers(d, next);
  return d.done(next);
}
