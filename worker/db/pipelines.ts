/**
 * Pipeline runs and their steps in D1: what lists, the run view and the hub frame read, and what
 * each Workflow tick writes (one batch per tick, guarded by the run still running, so a cancel that
 * lands between a tick's read and write is never undone).
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { StepState } from "../pipelines/advance";
import type { Plan } from "../pipelines/plan";
import type { RunStatus, RunView, StepStatus } from "../protocol/pipelines";
import type { ParamValues } from "../protocol/templates";
import type { Db } from "./client";
import { pipelineRuns, pipelineSteps, sessions } from "./schema";

export type RunRow = typeof pipelineRuns.$inferSelect;
export type StepRow = typeof pipelineSteps.$inferSelect;

export const planOf = (run: RunRow) => run.plan as unknown as Plan;

export function toStepState(r: StepRow): StepState {
  return {
    id: r.stepId,
    status: r.status as StepStatus,
    statusReason: r.statusReason,
    attempts: r.attempts,
    sessionId: r.sessionId,
    agentId: r.agentId,
    result: r.result,
    costUsd: r.costUsd,
    readyAt: r.readyAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    notBefore: r.notBefore,
  };
}

/** The run as the API and the workspace socket show it. */
export function toRunView(run: RunRow, steps: StepRow[]): RunView {
  const plan = planOf(run);
  const rows = new Map(steps.map((s) => [s.stepId, s]));
  return {
    id: run.id,
    workspaceId: run.workspaceId,
    name: run.name,
    status: run.status,
    statusReason: run.statusReason,
    createdBy: run.createdBy,
    params: run.params,
    costUsd: Math.round(steps.reduce((a, s) => a + s.costUsd, 0) * 1e6) / 1e6,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    endedAt: run.endedAt,
    steps: plan.steps.map((p) => {
      const r = rows.get(p.id);
      return {
        id: p.id,
        name: p.name,
        needs: p.needs,
        status: (r?.status ?? "pending") as StepStatus,
        statusReason: r?.statusReason ?? "",
        attempts: r?.attempts ?? 0,
        maxAttempts: 1 + p.retries.max,
        sessionId: r?.sessionId ?? null,
        sessionIds: r?.sessionIds ?? [],
        agentId: r?.agentId ?? null,
        agentName: r?.agentName ?? null,
        selector: p.selector,
        template: p.template,
        result: r?.result ?? null,
        costUsd: r?.costUsd ?? 0,
        readyAt: r?.readyAt ?? null,
        startedAt: r?.startedAt ?? null,
        endedAt: r?.endedAt ?? null,
      };
    }),
  };
}

export function insertRunQueries(
  db: Db,
  run: { id: string; workspaceId: string; plan: Plan; params: ParamValues; createdBy: string; createdBySubject: string; instanceId: string },
  now: number,
) {
  return [
    db.insert(pipelineRuns).values({
      id: run.id,
      workspaceId: run.workspaceId,
      name: run.plan.name,
      status: "running",
      statusReason: "starting",
      createdBy: run.createdBy,
      createdBySubject: run.createdBySubject,
      plan: run.plan as unknown as Record<string, unknown>,
      params: run.params,
      instanceId: run.instanceId,
      createdAt: now,
      updatedAt: now,
    }),
    ...run.plan.steps.map((s, position) =>
      db
        .insert(pipelineSteps)
        .values({ runId: run.id, stepId: s.id, workspaceId: run.workspaceId, position, status: "pending", statusReason: "waiting for what it needs" }),
    ),
  ] as const;
}

export async function deleteRun(db: Db, runId: string): Promise<void> {
  await db.batch([db.delete(pipelineSteps).where(eq(pipelineSteps.runId, runId)), db.delete(pipelineRuns).where(eq(pipelineRuns.id, runId))]);
}

export async function getRun(db: Db, workspaceId: string, runId: string): Promise<{ run: RunRow; steps: StepRow[] } | null> {
  const [runs, steps] = await db.batch([
    db
      .select()
      .from(pipelineRuns)
      .where(and(eq(pipelineRuns.workspaceId, workspaceId), eq(pipelineRuns.id, runId)))
      .limit(1),
    db
      .select()
      .from(pipelineSteps)
      .where(and(eq(pipelineSteps.workspaceId, workspaceId), eq(pipelineSteps.runId, runId)))
      .orderBy(pipelineSteps.position),
  ]);
  return runs[0] ? { run: runs[0], steps } : null;
}

/** A run by id alone (the Workflow knows only its run id). */
export async function getRunById(db: Db, runId: string): Promise<{ run: RunRow; steps: StepRow[] } | null> {
  const rows = await db.select({ workspaceId: pipelineRuns.workspaceId }).from(pipelineRuns).where(eq(pipelineRuns.id, runId)).limit(1);
  return rows[0] ? getRun(db, rows[0].workspaceId, runId) : null;
}

export async function listRuns(db: Db, workspaceId: string, q: { status?: RunStatus | undefined; limit: number }): Promise<RunView[]> {
  const filters = [eq(pipelineRuns.workspaceId, workspaceId)];
  if (q.status) filters.push(eq(pipelineRuns.status, q.status));
  const runs = await db
    .select()
    .from(pipelineRuns)
    .where(and(...filters))
    .orderBy(desc(pipelineRuns.createdAt), desc(pipelineRuns.id))
    .limit(q.limit);
  if (!runs.length) return [];
  const steps = await db
    .select()
    .from(pipelineSteps)
    .where(
      inArray(
        pipelineSteps.runId,
        runs.map((r) => r.id),
      ),
    )
    .orderBy(pipelineSteps.position);
  return runs.map((r) =>
    toRunView(
      r,
      steps.filter((s) => s.runId === r.id),
    ),
  );
}

/** The D1 rows of the sessions that running steps wait on. */
export async function sessionEnds(db: Db, ids: string[]) {
  if (!ids.length) return new Map<string, { status: string; statusReason: string; result: string | null; costUsd: number }>();
  const rows = await db
    .select({ id: sessions.id, status: sessions.status, statusReason: sessions.statusReason, result: sessions.result, costUsd: sessions.costUsd })
    .from(sessions)
    .where(inArray(sessions.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

export type StepPatch = Partial<StepState> & { agentName?: string | null; addSession?: string };

/**
 * Writes a tick: step patches and, when given, the run's end, in one batch that applies only while
 * the run is still `running` and still driven by `instanceId` (a cancel wins over a tick that read the
 * run before it, and an instance a retry replaced can no longer write over the new one).
 */
export async function writeTick(
  db: Db,
  runId: string,
  instanceId: string,
  patches: Map<string, StepPatch>,
  end: { status: RunStatus; reason: string } | null,
  reason: string,
  now: number,
): Promise<boolean> {
  const stillOurs = sql`exists (select 1 from ${pipelineRuns} where ${pipelineRuns.id} = ${runId} and ${pipelineRuns.status} = 'running' and ${pipelineRuns.instanceId} = ${instanceId})`;
  const stepQueries = [...patches].map(([stepId, p]) => {
    const { id: _id, addSession, ...rest } = p;
    const set: Record<string, unknown> = { ...rest };
    if (addSession) set.sessionIds = sql`json_insert(${pipelineSteps.sessionIds}, '$[#]', ${addSession})`;
    return db
      .update(pipelineSteps)
      .set(set)
      .where(and(eq(pipelineSteps.runId, runId), eq(pipelineSteps.stepId, stepId), stillOurs));
  });
  const runQuery = db
    .update(pipelineRuns)
    .set({ updatedAt: now, statusReason: end?.reason ?? reason, ...(end ? { status: end.status, endedAt: now } : {}) })
    .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.status, "running"), eq(pipelineRuns.instanceId, instanceId)))
    .returning({ id: pipelineRuns.id });
  const results = await db.batch([...stepQueries, runQuery] as unknown as [typeof runQuery]);
  return (results.at(-1) as unknown[]).length === 1;
}

/**
 * Ends a running run (`cancelled` by a person, or `failed` when its Workflow cannot go on) and every
 * unfinished step with it; returns the sessions still running, to interrupt, or null if the run was not
 * running (or, given `instanceId`, is driven by another instance). The steps move only if the run did,
 * in the same batch: the run row is then stamped with exactly this reason and time.
 */
export async function endRun(
  db: Db,
  runId: string,
  end: { status: "cancelled" | "failed"; reason: string; stepReason: string; instanceId?: string },
  now: number,
): Promise<string[] | null> {
  const fence = end.instanceId === undefined ? [] : [eq(pipelineRuns.instanceId, end.instanceId)];
  const [moved, running] = await db.batch([
    db
      .update(pipelineRuns)
      .set({ status: end.status, statusReason: end.reason, updatedAt: now, endedAt: now })
      .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.status, "running"), ...fence))
      .returning({ id: pipelineRuns.id }),
    db
      .select({ sessionId: pipelineSteps.sessionId })
      .from(pipelineSteps)
      .where(and(eq(pipelineSteps.runId, runId), eq(pipelineSteps.status, "running"))),
    db
      .update(pipelineSteps)
      .set({ status: "cancelled", statusReason: end.stepReason, endedAt: now })
      .where(
        and(
          eq(pipelineSteps.runId, runId),
          inArray(pipelineSteps.status, ["pending", "queued", "running", "retrying"]),
          sql`exists (select 1 from ${pipelineRuns} where ${pipelineRuns.id} = ${runId} and ${pipelineRuns.status} = ${end.status} and ${pipelineRuns.statusReason} = ${end.reason} and ${pipelineRuns.updatedAt} = ${now})`,
        ),
      ),
  ]);
  if (!moved.length) return null;
  return running.flatMap((r) => (r.sessionId ? [r.sessionId] : []));
}

/** Cancels a running run and its unfinished steps; returns the sessions still running, or null if it was not running. */
export async function cancelRun(db: Db, runId: string, by: string, now: number): Promise<string[] | null> {
  return endRun(db, runId, { status: "cancelled", reason: `cancelled by ${by}`, stepReason: `cancelled by ${by}` }, now);
}

/** Re-opens a finished run: failed, cancelled and skipped steps go back to pending; succeeded ones keep their outputs. */
export async function reopenRun(db: Db, runId: string, instanceId: string, now: number): Promise<boolean> {
  const [moved] = await db.batch([
    db
      .update(pipelineRuns)
      .set({ status: "running", statusReason: "re-running the steps that did not succeed", instanceId, updatedAt: now, endedAt: null })
      .where(and(eq(pipelineRuns.id, runId), inArray(pipelineRuns.status, ["failed", "cancelled"])))
      .returning({ id: pipelineRuns.id }),
    db
      .update(pipelineSteps)
      .set({
        status: "pending",
        statusReason: "waiting for what it needs (re-run)",
        attempts: 0,
        sessionId: null,
        result: null,
        notBefore: null,
        readyAt: null,
        startedAt: null,
        endedAt: null,
      })
      .where(
        and(
          eq(pipelineSteps.runId, runId),
          inArray(pipelineSteps.status, ["failed", "cancelled", "skipped"]),
          sql`exists (select 1 from ${pipelineRuns} where ${pipelineRuns.id} = ${runId} and ${pipelineRuns.instanceId} = ${instanceId})`,
        ),
      ),
  ]);
  return moved.length === 1;
}

export async function instanceOf(db: Db, runId: string): Promise<string | null> {
  const rows = await db
    .select({ instanceId: pipelineRuns.instanceId, status: pipelineRuns.status })
    .from(pipelineRuns)
    .where(eq(pipelineRuns.id, runId))
    .limit(1);
  return rows[0] && rows[0].status === "running" ? rows[0].instanceId : null;
}
