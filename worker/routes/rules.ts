/**
 * /api/rules: the workspace's approval rules as code. Members read, test a hypothetical call and
 * replay a rule set over the recorded approvals of the last days (a dry run); owners and admins
 * write a new version (YAML or JSON text; each error names its line and column), audited in the same
 * batch as the write.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditEntry, auditQuery } from "../auth/audit";
import { currentRuleSet, insertRuleSetQuery, recordedApprovals, ruleSetHistory } from "../db/rules";
import { compileRules, evaluate } from "../domain/rules/evaluate";
import { replay } from "../domain/rules/replay";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { formatIssue, parseYaml } from "../pipelines/yaml";
import { ApiError } from "../protocol/errors";
import { PutRulesBody, ReplayBody, ReplayResult, RuleHistory, RuleSet, RuleSetVersion, RuleVerdict, TestRulesBody } from "../protocol/rules";
import { workspaceHub } from "../rooms";

const tags = ["rules"];
const DAY_MS = 86_400_000;
/** The most recorded approvals one replay reads (the benchmark replays this many within its budget). */
const MAX_REPLAY = 10_000;

/** Parses a rule set's text; an invalid one is a 400 whose issues name line and column. */
function parsed(source: string): RuleSet {
  const r = parseYaml(source, RuleSet);
  if (r.ok) return r.value;
  throw new ApiError(
    "BAD_REQUEST",
    `The rule set is invalid: ${formatIssue(r.issues[0]!)}`,
    r.issues.map((i) => ({ path: i.path, message: formatIssue(i) })),
  );
}

/** The rule set a test or replay runs: the proposed text, or the current version. */
async function candidate(c: Context<AppEnv>, source: string | undefined) {
  if (source !== undefined) return compileRules(parsed(source), null);
  const cur = await currentRuleSet(c.var.deps.db, c.var.auth.workspaceId);
  return compileRules(cur.ruleSet, cur.version);
}

/**
 * Writes `source` as the workspace's next rule-set version, audited in the same batch, and has every
 * room holding rules hear of it before answering. `baseVersion`: the version the edit was made on (a
 * newer one in between is a 409). The PUT route and "always allow" both write through here.
 */
export async function writeRuleVersion(
  c: Context<AppEnv>,
  source: string,
  baseVersion: number | undefined,
  detail: Record<string, string> = {},
): Promise<RuleSetVersion> {
  const ruleSet = parsed(source);
  const { db } = c.var.deps;
  const workspaceId = c.var.auth.workspaceId;
  const cur = await currentRuleSet(db, workspaceId);
  if (baseVersion !== undefined && baseVersion !== cur.version)
    throw new ApiError("CONFLICT", `The rules are at version ${cur.version} now, not ${baseVersion}: fetch them again and re-apply your edit.`);
  const version = cur.version + 1;
  const at = Date.now();
  const by = { authorId: c.var.auth.userId, by: c.var.auth.subject };
  try {
    await db.batch([
      insertRuleSetQuery(db, { workspaceId, version, source, ruleSet, ...by, at }),
      auditQuery(c, auditEntry(c, "rules.version", `rules:v${version}`, { version, rules: ruleSet.rules.length, ...detail })),
    ]);
  } catch (e) {
    if (/UNIQUE|PRIMARY KEY/.test(String(e)))
      throw new ApiError("CONFLICT", "Someone saved the rules at the same moment; fetch them again and re-apply your edit.");
    throw e;
  }
  // Rooms judge the next call by the new version: the hub drops its cached set before this answers.
  await (await workspaceHub(c.env, workspaceId)).rulesChanged(version);
  return { version, ruleSet, source, authorId: by.authorId, createdAt: at };
}

export const rulesRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(RuleSetVersion, "The current rule set (version 0: none yet)."), ...errorResponses },
    }),
    async (c) => c.json(await currentRuleSet(c.var.deps.db, c.var.auth.workspaceId), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/history",
      tags,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { 200: jsonResponse(RuleHistory, "Every version, newest first, with its author and time."), ...errorResponses },
    }),
    async (c) => c.json({ versions: await ruleSetHistory(c.var.deps.db, c.var.auth.workspaceId, c.req.valid("query").limit) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/",
      tags,
      request: jsonBody(PutRulesBody),
      responses: { 200: jsonResponse(RuleSetVersion, "The new current version."), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await writeRuleVersion(c, body.source, body.baseVersion), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/test",
      tags,
      request: jsonBody(TestRulesBody),
      responses: { 200: jsonResponse(RuleVerdict, "What the rules would decide for this call."), ...errorResponses },
    }),
    async (c) => {
      const { call, source } = c.req.valid("json");
      const rules = await candidate(c, source);
      const list = (x: string | undefined) => (x ? [x] : []);
      return c.json(
        evaluate(rules, { ...call, machine: list(call.machine), template: list(call.template), pipeline: list(call.pipeline), home: call.home ?? null }),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/replay",
      tags,
      request: jsonBody(ReplayBody),
      responses: { 200: jsonResponse(ReplayResult, "What the rules would have decided for each recorded call, next to what was decided."), ...errorResponses },
    }),
    async (c) => {
      const { days, source, limit } = c.req.valid("json");
      const rules = await candidate(c, source);
      const recorded = await recordedApprovals(c.var.deps.db, c.var.auth.workspaceId, Date.now() - days * DAY_MS, MAX_REPLAY);
      return c.json({ version: rules.version, days, ...replay(rules, recorded, limit) }, 200);
    },
  );
