/**
 * CPU of building one mirror flush's D1 statements (a session summary upsert, an approval upsert and
 * an audit insert-once, as a decided approval queues them): drizzle's query builder, as the room's
 * outbox used it, next to the prepared statements of worker/db/mirror.ts. Measured as process CPU
 * time, so a loaded machine changes it less than wall time. Pure (no server); part `flush` of `npm run bench`.
 */
import { drizzle } from "drizzle-orm/d1";
import { upsertApproval } from "../worker/db/approvals";
import { auditInsertOnceQueries } from "../worker/db/audit";
import type { Db } from "../worker/db/client";
import { approvalUpsert, auditInsertOnce, summaryUpsert } from "../worker/db/mirror";
import * as schema from "../worker/db/schema";
import { upsertSessionSummary } from "../worker/db/sessions";
import type { Approval } from "../worker/protocol/approval";
import type { SessionSummary } from "../worker/protocol/session";

/** Stands in for the D1 binding: prepare and bind only keep what they are given (the binding's own cost is the same for both). */
const d1 = { prepare: (text: string) => ({ bind: (...params: unknown[]) => ({ text, params }) }) } as unknown as D1Database;
const db = drizzle(d1, { schema, casing: "snake_case" }) as unknown as Db;

const summary = {
  id: "ses_bench0000000000000000",
  workspaceId: "wsp_bench0000000000000000",
  agentId: "agt_bench0000000000000000",
  agentName: "bench-machine",
  ownerId: "usr_bench0000000000000000",
  title: "bench",
  prompt: "bench",
  cwd: "/tmp",
  model: null,
  status: "running",
  statusReason: "approval decided",
  archived: false,
  parentSessionId: null,
  claudeSessionId: "claude-bench",
  messageCount: 12,
  toolCallCount: 4,
  pendingApprovals: 0,
  costUsd: 0.5,
  inputTokens: 1200,
  outputTokens: 300,
  numTurns: 3,
  lastSeq: 40,
  result: null,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_001_000,
  endedAt: null,
  templateId: null,
  templateVersion: null,
  templateParams: null,
  pipelineRunId: null,
  pipelineStepId: null,
} as SessionSummary;
const approval = {
  id: "apr_bench0000000000000000",
  sessionId: summary.id,
  toolName: "Bash",
  toolUseId: "toolu_bench",
  input: { command: "ls" },
  inputSha256: "0".repeat(64),
  status: "approved",
  createdAt: 1_700_000_000_500,
  expiresAt: 1_700_000_600_500,
  decidedAt: 1_700_000_001_000,
  decidedBy: "ann@bench",
  via: "human",
  comment: null,
  updatedInput: null,
} as unknown as Approval;
const entry = {
  workspaceId: summary.workspaceId,
  actor: "ann@bench",
  actorKind: "user" as const,
  via: "human",
  action: "approval.approved",
  target: approval.id,
  details: { session: summary.id },
  at: 1_700_000_001_000,
};

/** µs of CPU per flush, over `n` flushes after a warm-up. */
function cpuPerFlush(n: number, flush: () => void): number {
  for (let i = 0; i < 2_000; i++) flush();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) flush();
  const t = process.cpuUsage(t0);
  return Math.round(((t.user + t.system) / n) * 10) / 10;
}

export interface FlushFigures {
  drizzleUs: number;
  preparedUs: number;
}

export function flushBench(n = 20_000): FlushFigures {
  // toSQL() is what drizzle's batch does per query before binding: build the SQL text and its params.
  const drizzleUs = cpuPerFlush(n, () => {
    upsertSessionSummary(db, summary).toSQL();
    upsertApproval(db, summary.workspaceId, approval).toSQL();
    for (const q of auditInsertOnceQueries(db, `${summary.id}#40`, entry)) q.toSQL();
  });
  const preparedUs = cpuPerFlush(n, () => {
    summaryUpsert(d1, summary);
    approvalUpsert(d1, summary.workspaceId, approval);
    auditInsertOnce(d1, `${summary.id}#40`, entry);
  });
  return { drizzleUs, preparedUs };
}
