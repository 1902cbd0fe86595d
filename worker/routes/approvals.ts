/**
 * /api/approvals: the pending inbox across sessions (or one session's history) and decisions.
 * A decision goes to the session's room, which applies "first decision wins" atomically and
 * refuses a decision that names another input's sha256, a second different edit, or a late one.
 * "Always allow" adds the narrowest rule for a pending call (a new rule-set version), then approves it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { listApprovals } from "../db/approvals";
import { limitDecisions } from "../auth/rate-limit";
import { approvalSessionFor } from "../auth/session-access";
import { approvalListViewerOf } from "../domain/visibility";
import { errorResponses, jsonBody, jsonResponse, orThrow, router } from "../http";
import { currentRuleSet } from "../db/rules";
import { appendRule } from "../domain/rules/source";
import { Approval, ApprovalListQuery, DecisionBody } from "../protocol/approval";
import { AlwaysAllowBody, AlwaysAllowResult, proposeRule } from "../protocol/rule-proposal";
import { Rule, type RuleInput } from "../protocol/rules";
import { ApiError } from "../protocol/errors";
import { ApprovalId } from "../protocol/ids";
import { sessionRoom } from "../rooms";
import { writeRuleVersion } from "./rules";

const tags = ["approvals"];

export const approvals = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: ApprovalListQuery },
      responses: { 200: jsonResponse(z.object({ approvals: z.array(Approval) }), "Approvals, newest first."), ...errorResponses },
    }),
    async (c) => {
      const actor = c.var.auth;
      return c.json({ approvals: await listApprovals(c.var.deps.db, actor.workspaceId, c.req.valid("query"), approvalListViewerOf(actor)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      request: { params: z.object({ id: ApprovalId }) },
      responses: { 200: jsonResponse(Approval, "One approval as its room holds it now, with the `inputSha256` a decision must name."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const sessionId = await approvalSessionFor(c, id, "session.read");
      const approval = await (await sessionRoom(c.env, sessionId)).approval(id);
      if (!approval) throw new ApiError("NOT_FOUND", `No approval ${id} in this workspace.`);
      return c.json(approval, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/decision",
      tags,
      request: { params: z.object({ id: ApprovalId }), ...jsonBody(DecisionBody) },
      responses: {
        200: jsonResponse(Approval, "The decided approval (the same answer again is idempotent; another input, edit or a late decision is 409)."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const sessionId = await approvalSessionFor(c, id, "session.act");
      await limitDecisions(c.env, c.var.auth.tokenId);
      const room = await sessionRoom(c.env, sessionId);
      return c.json(orThrow(await room.decide(id, c.req.valid("json"), c.var.auth.subject, c.var.auth.userId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/always-allow",
      tags,
      request: { params: z.object({ id: ApprovalId }), ...jsonBody(AlwaysAllowBody) },
      responses: {
        200: jsonResponse(AlwaysAllowResult, "The rule was added as a new version of the workspace's rules, and the call approved."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const sessionId = await approvalSessionFor(c, id, "session.act");
      const room = await sessionRoom(c.env, sessionId);
      const [approval, spec] = await Promise.all([room.approval(id), room.launchSpec()]);
      if (!approval) throw new ApiError("NOT_FOUND", `No approval ${id} in this workspace.`);
      const rule = confirmedRule(approval, spec?.cwd ?? null, body);
      await limitDecisions(c.env, c.var.auth.tokenId);
      const current = await currentRuleSet(c.var.deps.db, c.var.auth.workspaceId);
      const ruleId = rule.id ?? `#${current.ruleSet.rules.length + 1}`;
      // The decision first: one the room refuses (not an eligible approver, decided meanwhile, input
      // changed) must leave the rules as they were, not add a rule for a call that was never approved.
      const comment = `always allowed: rule ${ruleId}`;
      const decided = orThrow(await room.decide(id, { decision: "approve", inputSha256: body.inputSha256, comment }, c.var.auth.subject, c.var.auth.userId));
      const saved = await writeRuleVersion(c, appendRule(current.source, rule), current.version, { rule: rule.id ?? "", from: id }).catch((e: unknown) => {
        const why = e instanceof ApiError ? e.message : "the rules could not be saved";
        throw new ApiError("CONFLICT", `Approval ${id} was approved, but the rule was not added: ${why}`);
      });
      return c.json({ approval: decided, version: saved.version, ruleId }, 200);
    },
  );

/**
 * The rule "always allow" may add for a pending call: the one the server proposes itself (the same
 * proposal the card and the CLI showed), under the id the person was shown. A call Claude Code flagged
 * (`suppressAlwaysAllowRule`, `requiresUserInteraction`) or one no exact rule can pin down gets none.
 */
function confirmedRule(approval: Approval, cwd: string | null, body: AlwaysAllowBody): RuleInput {
  if (approval.status !== "pending") throw new ApiError("CONFLICT", `approval ${approval.id} is already ${approval.status}; no rule was added.`);
  if (body.inputSha256 !== approval.inputSha256)
    throw new ApiError("CONFLICT", `The input of ${approval.toolName} changed since you saw it (approval ${approval.id}); reload it. No rule was added.`);
  const proposal = proposeRule({ ...approval, cwd }, Date.now());
  if (!proposal.ok) throw new ApiError("BAD_REQUEST", `No "always allow" rule can be made from approval ${approval.id}: ${proposal.why}`);
  const rule = { ...proposal.rule, id: body.rule.id };
  if (JSON.stringify(Rule.parse(rule)) !== JSON.stringify(body.rule))
    throw new ApiError("BAD_REQUEST", `That is not the rule proposed for approval ${approval.id}; propose it again. No rule was added.`);
  return rule;
}
