/**
 * /api/pipelines: validate a definition, start a run (YAML or JSON), list and show runs, cancel a run
 * (interrupting its sessions) and re-run the steps that did not succeed. A run is started only when the
 * whole definition checks out (syntax with line and column, schema, graph, templates and versions,
 * parameters, machines for every selector); its rows are written in one batch before its Workflow.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordAudit } from "../auth/audit";
import { machinePool } from "../db/agents";
import { cancelRun, deleteRun, endRun, getRun, insertRunQueries, listRuns, reopenRun, toRunView, type RunRow, type StepRow } from "../db/pipelines";
import { findTemplate, templateAt } from "../db/templates";
import { sessionAccess } from "../db/grants";
import { mayManageRun } from "../domain/policy";
import { runFor, runSessionIds } from "../domain/visibility";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { pickMachine } from "../pipelines/advance";
import { planPipeline, splitRef, templateRefs, type Plan, type ResolvedTemplate } from "../pipelines/plan";
import { publish } from "../pipelines/run-tick";
import { formatIssue, parseYaml, type SourceIssue } from "../pipelines/yaml";
import { ApiError, issuesFrom } from "../protocol/errors";
import { newId } from "../protocol/ids";
import { PipelineSpec, RunList, RunListQuery, RunView, StartRunBody, ValidatedPipeline } from "../protocol/pipelines";
import { sessionRoom } from "../rooms";

const tags = ["pipelines"];
const IdParam = z.object({ id: z.string().regex(/^run_[0-9a-z]{20}$/, "must be a run_ id") });

function refuse(what: string, issues: SourceIssue[] | { path: string; message: string }[]): never {
  const shown = issues.map((i) => ({ path: i.path, message: "line" in i ? formatIssue(i as SourceIssue) : i.message }));
  throw new ApiError(
    "BAD_REQUEST",
    `${what}: ${shown[0]!.path && !shown[0]!.message.startsWith("line") ? `${shown[0]!.path}: ` : ""}${shown[0]!.message}${shown.length > 1 ? ` (and ${shown.length - 1} more)` : ""}`,
    shown,
  );
}

/** Everything a run needs, checked: the plan, or a 400 that says what to fix (and nothing written). */
async function planFrom(c: Context<AppEnv>, body: z.output<typeof StartRunBody>): Promise<Plan> {
  let spec: PipelineSpec;
  if (body.yaml !== undefined) {
    const parsed = parseYaml(body.yaml, PipelineSpec);
    if (!parsed.ok) refuse("The pipeline file is invalid", parsed.issues);
    spec = parsed.value;
  } else {
    const parsed = PipelineSpec.safeParse(body.pipeline);
    if (!parsed.success)
      refuse(
        "The pipeline is invalid",
        issuesFrom(parsed.error).map((i) => ({ ...i, path: `pipeline.${i.path}` })),
      );
    spec = parsed.data;
  }
  const { db } = c.var.deps;
  const actor = c.var.auth;
  const templates = new Map<string, ResolvedTemplate | string>();
  for (const ref of templateRefs(spec)) {
    const { name, version } = splitRef(ref);
    const row = Number.isNaN(version) ? null : await findTemplate(db, actor.workspaceId, name, actor.userId ?? "");
    if (!row) {
      templates.set(
        ref,
        Number.isNaN(version) ? `"${ref}": the version after @ must be a whole number` : `unknown template "${name}"; \`tower template ls\` lists them`,
      );
      continue;
    }
    const t = await templateAt(db, row, version ?? undefined);
    templates.set(
      ref,
      t
        ? { id: t.id, name: t.name, version: t.version, recipe: t.recipe }
        : `template "${name}" has no version ${version}; its versions are 1 to ${row.latestVersion}`,
    );
  }
  const planned = planPipeline(spec, templates, body.params);
  if (!planned.ok) refuse("The pipeline cannot run", planned.issues);
  // A selector no machine could ever satisfy is a definition error; a busy or offline machine is not.
  const pool = (await machinePool(db, actor.workspaceId)).map((m) => ({ ...m, online: true, busy: 0 }));
  const unplaceable = planned.plan.steps.flatMap((s) => {
    const pick = pickMachine(pool, s.selector, actor.userId ?? "");
    return "waiting" in pick
      ? [{ path: `steps.${s.name}.selector`, message: `no machine can run "${s.id}": ${pick.waiting.replace(/^waiting for /, "needs ")}` }]
      : [];
  });
  if (unplaceable.length) refuse("The pipeline cannot run", unplaceable);
  return planned.plan;
}

async function runRowsFor(c: Context<AppEnv>, id: string) {
  const found = await getRun(c.var.deps.db, c.var.auth.workspaceId, id);
  if (!found) throw new ApiError("NOT_FOUND", `No pipeline run ${id} in this workspace; \`tower pipeline ls\` lists them.`);
  return found;
}

/** Runs as the caller may see them (the hub applies the same rule to `pipeline-upsert`): a step's result only to who may read its session. */
async function shown(c: Context<AppEnv>, views: RunView[]): Promise<RunView[]> {
  const access = await sessionAccess(c.var.deps.db, c.var.auth.workspaceId, views.flatMap(runSessionIds));
  return views.flatMap((v) => runFor(c.var.auth, v, (id) => access.get(id) ?? null) ?? []);
}

async function viewOf(c: Context<AppEnv>, found: { run: RunRow; steps: StepRow[] }): Promise<RunView> {
  const [view] = await shown(c, [toRunView(found.run, found.steps)]);
  if (!view) throw new ApiError("FORBIDDEN", "Not allowed: this token cannot read pipeline runs.");
  return view;
}

async function startInstance(c: Context<AppEnv>, runId: string, instanceId: string): Promise<void> {
  await c.env.PIPELINE.create({ id: instanceId, params: { runId, workspaceId: c.var.auth.workspaceId } });
}

export const pipelines = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/validate",
      tags,
      request: jsonBody(StartRunBody),
      responses: { 200: jsonResponse(ValidatedPipeline, "The definition would run: its expanded steps."), ...errorResponses },
    }),
    async (c) => {
      const plan = await planFrom(c, StartRunBody.parse(c.req.valid("json")));
      return c.json(
        { ok: true as const, name: plan.name, steps: plan.steps.map((s) => ({ id: s.id, needs: s.needs, selector: s.selector, template: s.template })) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/runs",
      tags,
      request: jsonBody(StartRunBody),
      responses: { 201: jsonResponse(RunView, "The run, started."), ...errorResponses },
    }),
    async (c) => {
      const body = StartRunBody.parse(c.req.valid("json"));
      const plan = await planFrom(c, body);
      const { db } = c.var.deps;
      const actor = c.var.auth;
      const id = newId("run");
      const instanceId = `${id}-1`;
      await db.batch(
        insertRunQueries(
          db,
          { id, workspaceId: actor.workspaceId, plan, params: plan.params, createdBy: actor.userId ?? "", createdBySubject: actor.subject, instanceId },
          Date.now(),
        ),
      );
      try {
        await startInstance(c, id, instanceId);
      } catch (e) {
        await deleteRun(db, id);
        throw e;
      }
      await recordAudit(c, "pipeline.run", id, { name: plan.name, steps: plan.steps.length });
      return c.json(await viewOf(c, await runRowsFor(c, id)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/runs",
      tags,
      request: { query: RunListQuery },
      responses: { 200: jsonResponse(RunList, "Runs of this workspace, newest first."), ...errorResponses },
    }),
    async (c) => c.json({ runs: await shown(c, await listRuns(c.var.deps.db, c.var.auth.workspaceId, c.req.valid("query"))) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/runs/{id}",
      tags,
      request: { params: IdParam },
      responses: { 200: jsonResponse(RunView, "The run with every step."), ...errorResponses },
    }),
    async (c) => {
      return c.json(await viewOf(c, await runRowsFor(c, c.req.valid("param").id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/runs/{id}/cancel",
      tags,
      request: { params: IdParam },
      responses: { 200: jsonResponse(RunView, "The cancelled run; its running sessions are being interrupted."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { run } = await runRowsFor(c, id);
      const may = mayManageRun(c.var.auth, run.createdBy);
      if (!may.ok) throw new ApiError("FORBIDDEN", `Not allowed: ${may.why}.`);
      const running = await cancelRun(c.var.deps.db, id, c.var.auth.subject, Date.now());
      if (running === null) throw new ApiError("CONFLICT", `Run ${id} is not running (it is ${run.status}); nothing to cancel.`);
      for (const sessionId of running) {
        const r = await (await sessionRoom(c.env, sessionId)).interrupt(c.var.auth.subject);
        if (!r.ok && r.code !== "CONFLICT" && r.code !== "SESSION_CLOSED") console.warn(`cancel ${id}: interrupt ${sessionId}: ${r.message}`);
      }
      try {
        await (await c.env.PIPELINE.get(run.instanceId)).terminate();
      } catch (e) {
        // Already finished; the run row says cancelled either way, and ticks refuse a cancelled run.
        console.warn(`cancel ${id}: terminate ${run.instanceId}`, e);
      }
      await recordAudit(c, "pipeline.cancel", id, { interrupted: running.length });
      await publish(c.env, id);
      return c.json(await viewOf(c, await runRowsFor(c, id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/runs/{id}/retry",
      tags,
      request: { params: IdParam },
      responses: { 200: jsonResponse(RunView, "The run, running again from the steps that did not succeed."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { run } = await runRowsFor(c, id);
      const may = mayManageRun(c.var.auth, run.createdBy);
      if (!may.ok) throw new ApiError("FORBIDDEN", `Not allowed: ${may.why}.`);
      if (run.status !== "failed" && run.status !== "cancelled")
        throw new ApiError("CONFLICT", `Run ${id} is ${run.status}; only a failed or cancelled run can be re-run.`);
      const instanceId = `${id}-${newId("run").slice(4, 12)}`;
      if (!(await reopenRun(c.var.deps.db, id, instanceId, Date.now()))) throw new ApiError("CONFLICT", `Run ${id} changed just now; look at it again.`);
      try {
        await startInstance(c, id, instanceId);
      } catch (e) {
        // Re-opened with no instance to drive it, the run would say running for good: end it again, with why.
        const why = e instanceof Error ? e.message : String(e);
        await endRun(
          c.var.deps.db,
          id,
          {
            status: "failed",
            reason: `the re-run could not start its Workflow (${why}); retry it again`,
            stepReason: "not re-run: the Workflow did not start",
            instanceId,
          },
          Date.now(),
        );
        await publish(c.env, id);
        throw e;
      }
      await recordAudit(c, "pipeline.retry", id, {});
      await publish(c.env, id);
      return c.json(await viewOf(c, await runRowsFor(c, id)), 200);
    },
  );
