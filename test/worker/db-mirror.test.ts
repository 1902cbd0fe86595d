/**
 * The room's mirror flush writes D1 through prepared statements (worker/db/mirror.ts), not drizzle's
 * query builder: each statement must leave exactly the row drizzle's upsert or insert-once left, on
 * insert, on update, and with the keys a row may lack (kept on update, defaulted on insert).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { upsertApproval } from "../../worker/db/approvals";
import { auditInsertOnceQueries, type NewAuditEntry } from "../../worker/db/audit";
import { makeDb } from "../../worker/db/client";
import { approvalUpsert, auditInsertOnce, summaryUpsert } from "../../worker/db/mirror";
import { upsertSessionSummary } from "../../worker/db/sessions";
import type { Approval } from "../../worker/protocol/approval";
import type { SessionSummary } from "../../worker/protocol/session";
import { seedWorkspace, type Seed } from "./helpers";

const db = () => makeDb(env.DB);
const uid = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

/** The stored row without its key, so rows written under two ids compare. */
async function row(table: string, key: string, id: string | number): Promise<Record<string, unknown>> {
  const r = await env.DB.prepare(`SELECT * FROM ${table} WHERE ${key} = ?`).bind(id).first<Record<string, unknown>>();
  expect(r).not.toBeNull();
  const { [key]: _id, ...rest } = r!;
  return rest;
}

function summary(seed: Seed, id: string, over: Partial<Record<keyof SessionSummary, unknown>> = {}): SessionSummary {
  return {
    id,
    workspaceId: seed.workspaceId,
    agentId: seed.agentId,
    agentName: seed.agentName,
    ownerId: seed.userId,
    title: "fix the tests",
    prompt: "fix the tests",
    cwd: "/work",
    model: null,
    status: "running",
    statusReason: "started",
    archived: false,
    parentSessionId: null,
    claudeSessionId: "claude-1",
    messageCount: 3,
    toolCallCount: 1,
    pendingApprovals: 0,
    costUsd: 0.125,
    inputTokens: 10,
    outputTokens: 20,
    numTurns: 1,
    lastSeq: 7,
    result: null,
    createdAt: 1_000,
    updatedAt: 2_000,
    endedAt: null,
    templateId: "tpl_1",
    templateVersion: 2,
    templateParams: { branch: "main", n: 3, dry: true },
    pipelineRunId: null,
    pipelineStepId: null,
    ...over,
  } as SessionSummary;
}

describe("the session summary upsert", () => {
  it("writes the row drizzle's upsert wrote, on insert and on each update", async () => {
    const seed = await seedWorkspace();
    const [a, b] = [uid("ses"), uid("ses")];
    const steps: Partial<Record<keyof SessionSummary, unknown>>[] = [
      // A row lacking keys: defaults on insert (owner, reason), null for the rest.
      { ownerId: undefined, statusReason: undefined, templateId: undefined, templateVersion: undefined, templateParams: undefined },
      { status: "waiting_for_approval", pendingApprovals: 1, archived: true, model: "opus", updatedAt: 3_000 },
      // Lacking the template keys again: an update leaves them as they are.
      { status: "completed", result: "Done.", endedAt: 4_000, templateId: undefined, templateParams: undefined, pipelineRunId: "run_1" },
    ];
    for (const over of steps) {
      await upsertSessionSummary(db(), summary(seed, a, over));
      await env.DB.batch([summaryUpsert(env.DB, summary(seed, b, over))]);
      expect(await row("sessions", "id", b)).toEqual(await row("sessions", "id", a));
    }
    expect(await row("sessions", "id", b)).toMatchObject({ status: "completed", template_id: "tpl_1", pipeline_run_id: "run_1", owner_id: seed.userId });
  });
});

describe("the approval upsert", () => {
  it("writes the row drizzle's upsert wrote, keeping a routing the record no longer carries", async () => {
    const seed = await seedWorkspace();
    const session = uid("ses");
    await upsertSessionSummary(db(), summary(seed, session));
    const [a, b] = [uid("apr"), uid("apr")];
    const base = {
      sessionId: session,
      toolName: "Write",
      toolUseId: "toolu_1",
      input: { file_path: "/work/a.txt", content: "a" },
      inputSha256: "0".repeat(64),
      status: "pending",
      createdAt: 1_000,
      expiresAt: 61_000,
      decidedAt: null,
      decidedBy: null,
      via: null,
      comment: null,
      updatedInput: null,
      pipelineRunId: "run_1",
      pipelineStepId: "build",
      requiresUserInteraction: true,
    };
    const routing = { decideBy: "group sre", rule: "rule sre (v1)", label: "group sre (ann@x)", eligible: ["usr_1"], quorum: 1, approvals: [] };
    const steps: Record<string, unknown>[] = [
      {},
      { routing },
      { status: "approved", decidedAt: 2_000, decidedBy: "ann", via: "human", updatedInput: { file_path: "/work/a.txt", content: "b" } },
    ];
    for (const over of steps) {
      await upsertApproval(db(), seed.workspaceId, { ...base, id: a, ...over } as unknown as Approval);
      await env.DB.batch([approvalUpsert(env.DB, seed.workspaceId, { ...base, id: b, ...over } as unknown as Approval)]);
      expect(await row("approvals", "id", b)).toEqual(await row("approvals", "id", a));
    }
    expect(await row("approvals", "id", b)).toMatchObject({ status: "approved", routing: JSON.stringify(routing) });
  });
});

describe("the audit insert-once", () => {
  it("writes the entry drizzle's insert-once wrote, and nothing on a redelivery", async () => {
    const seed = await seedWorkspace();
    const entry: NewAuditEntry = {
      workspaceId: seed.workspaceId,
      actor: "ann",
      actorKind: "user",
      via: "human",
      action: "approval.approved",
      target: "apr_1",
      details: { session: "ses_1", editedInput: true },
      at: 5_000,
    };
    const count = async (source: string) =>
      (await env.DB.prepare(`SELECT count(*) AS n FROM audit_sources WHERE workspace_id = ? AND source = ?`)
        .bind(seed.workspaceId, source)
        .first<{ n: number }>())!.n;
    await db().batch([...auditInsertOnceQueries(db(), "ses_a#3", { ...entry, target: "apr_a" })]);
    for (let i = 0; i < 2; i++) await env.DB.batch(auditInsertOnce(env.DB, "ses_b#3", { ...entry, target: "apr_b" }));
    const rows = await env.DB.prepare(`SELECT * FROM audit_pending WHERE workspace_id = ? ORDER BY id`).bind(seed.workspaceId).all<Record<string, unknown>>();
    expect(rows.results).toHaveLength(2);
    const [a, b] = rows.results.map(({ id: _id, target: _t, ...r }) => r);
    expect(b).toEqual(a);
    expect(rows.results[1]).toMatchObject({ target: "apr_b", details: JSON.stringify(entry.details), at: 5_000 });
    expect([await count("ses_a#3"), await count("ses_b#3")]).toEqual([1, 1]);
  });
});
