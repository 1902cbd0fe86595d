/**
 * Claude Code's `requires_user_interaction` flag, kept in the room step so that every way a call is
 * decided (HTTP, the session socket, "always allow", any client yet to come) obeys it alike: no rule
 * allows such a call (an allow is held back, with an event saying which rule and why), and a person
 * approves it only in an explicit second step (`confirmed: true`), never in one tap.
 */
import type { DecisionBody } from "../../worker/protocol/approval";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { RuleVerdict } from "../../worker/protocol/rules";
import type { ApprovalRecord, Draft, StepResult } from "./room";

/** Why an approve of `rec` is refused for want of an explicit confirmation, or null when it may go on. */
export function unconfirmedApproval(rec: ApprovalRecord, body: DecisionBody): { code: ErrorCode; message: string } | null {
  if (!rec.requiresUserInteraction || body.decision !== "approve" || body.confirmed === true) return null;
  return {
    code: "BAD_REQUEST",
    message:
      `Claude Code requires a person to answer this ${rec.toolName} call (approval ${rec.id}), so it cannot be approved in one step: ` +
      `confirm it (web: Approve, then Confirm; CLI: tower approve ${rec.id} --confirm; API: "confirmed": true).`,
  };
}

/** A rule would allow a call a person must answer: it keeps waiting, and the session says why. */
export function heldBack(d: Draft, rec: ApprovalRecord, verdict: RuleVerdict): StepResult {
  d.emit({ type: "approval-held", approvalId: rec.id, rule: verdict.rule, reason: verdict.reason });
  return d.done(rec);
}
