/**
 * Approval rule sets in D1: one immutable row per version, the current set being the highest. A new
 * version is an insert of `current + 1`, batched with its audit entry; the primary key refuses a twin,
 * so of two concurrent edits one lands and the other gets a conflict. Also reads the recorded
 * approvals a replay runs over, with the session facts rules are scoped by, Claude Code's flags and
 * the deny policy of each call's machine (replay judges them as a live call is judged).
 */
import { and, desc, eq, gte } from "drizzle-orm";
import type { RecordedApproval } from "../domain/rules/replay";
import type { RuleSet, RuleSetVersion } from "../protocol/rules";
import { enforceableDenyRules } from "../domain/launch-policy";
import { isUnreadable } from "./checked-json";
import type { Db } from "./client";
import { agents, approvals, pipelineRuns, ruleSetVersions, sessions, templates } from "./schema";

/** The workspace's current rule set; version 0 (no rules) before the first is written. */
export async function currentRuleSet(db: Db, workspaceId: string): Promise<RuleSetVersion> {
  const [row] = await db.select().from(ruleSetVersions).where(eq(ruleSetVersions.workspaceId, workspaceId)).orderBy(desc(ruleSetVersions.version)).limit(1);
  return row ? toVersion(row) : { version: 0, ruleSet: { rules: [] }, source: "rules: []\n", authorId: null, createdAt: 0 };
}

export async function ruleSetHistory(db: Db, workspaceId: string, limit: number): Promise<RuleSetVersion[]> {
  const rows = await db.select().from(ruleSetVersions).where(eq(ruleSetVersions.workspaceId, workspaceId)).orderBy(desc(ruleSetVersions.version)).limit(limit);
  return rows.map(toVersion);
}

/**
 * A version as judged and shown. Stored rules that no longer read hold no rule (never read as "allow"):
 * every call then asks a person, and the version says why until a new one is saved.
 */
function toVersion(row: typeof ruleSetVersions.$inferSelect): RuleSetVersion {
  const base = { version: row.version, source: row.source, authorId: row.authorId, createdAt: row.createdAt };
  if (!isUnreadable(row.rules)) return { ...base, ruleSet: row.rules };
  return {
    ...base,
    ruleSet: { rules: [] },
    unreadable: `rule set version ${row.version} could not be read (${row.rules.unreadable}), so no rule allows or denies anything and every call asks a person; save the rules again`,
  };
}

/** The insert of version `version`, to batch with its audit entry. */
export function insertRuleSetQuery(
  db: Db,
  v: { workspaceId: string; version: number; source: string; ruleSet: RuleSet; authorId: string | null; by: string; at: number },
) {
  return db.insert(ruleSetVersions).values({
    workspaceId: v.workspaceId,
    version: v.version,
    source: v.source,
    rules: v.ruleSet,
    authorId: v.authorId,
    createdBy: v.by,
    createdAt: v.at,
  });
}

/** The workspace's recorded approvals since `since`, newest first, at most `limit`. */
export async function recordedApprovals(db: Db, workspaceId: string, since: number, limit: number): Promise<RecordedApproval[]> {
  const rows = await db
    .select({
      id: approvals.id,
      sessionId: approvals.sessionId,
      toolName: approvals.toolName,
      input: approvals.input,
      status: approvals.status,
      via: approvals.via,
      decidedBy: approvals.decidedBy,
      comment: approvals.comment,
      createdAt: approvals.createdAt,
      requiresUserInteraction: approvals.requiresUserInteraction,
      cwd: sessions.cwd,
      agentId: sessions.agentId,
      agentName: agents.name,
      machineDenyRules: agents.denyRules,
      templateId: sessions.templateId,
      templateName: templates.name,
      pipelineRunId: sessions.pipelineRunId,
      pipelineName: pipelineRuns.name,
    })
    .from(approvals)
    .innerJoin(sessions, eq(sessions.id, approvals.sessionId))
    .leftJoin(agents, eq(agents.id, sessions.agentId))
    .leftJoin(templates, eq(templates.id, sessions.templateId))
    .leftJoin(pipelineRuns, eq(pipelineRuns.id, sessions.pipelineRunId))
    .where(and(eq(approvals.workspaceId, workspaceId), gte(approvals.createdAt, since)))
    .orderBy(desc(approvals.createdAt))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.sessionId,
    toolName: r.toolName,
    input: r.input,
    status: r.status,
    via: r.via,
    decidedBy: r.decidedBy,
    comment: r.comment,
    createdAt: r.createdAt,
    cwd: r.cwd,
    machine: [r.agentId, ...(r.agentName ? [r.agentName] : [])],
    template: [r.templateId, r.templateName].filter((x): x is string => Boolean(x)),
    pipeline: [r.pipelineRunId, r.pipelineName].filter((x): x is string => Boolean(x)),
    requiresUserInteraction: r.requiresUserInteraction,
    machineDenyRules: enforceableDenyRules(r.machineDenyRules),
  }));
}
