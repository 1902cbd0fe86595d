/**
 * The impure half of a Workflow tick: read the run, its steps, their sessions and the machine pool
 * from D1; let `advance` decide; launch sessions through the one launch path (so launch policy and
 * AgentLink apply), interrupt timed-out ones; write the tick in one batch; publish `pipeline-upsert`.
 * Idempotent when a tick is retried: a step's session id is derived from (run, step, attempt), so a
 * replayed launch finds its session already created.
 */
import { makeDb } from "../db/client";
import { machinePool } from "../db/agents";
import { endRun, getRun, getRunById, planOf, sessionEnds, toRunView, toStepState, writeTick, type StepPatch } from "../db/pipelines";
import { renderRecipe, resolveParams } from "../domain/template-params";
import { launchRun } from "../launch";
import type { SessionId } from "../protocol/ids";
import { sessionRoom, workspaceHub } from "../rooms";
import { advance, type StepState } from "./advance";
import { outputLookup, renderStepParams, textLookup, type StepOutput } from "./outputs";
import type { Plan, PlannedStep } from "./plan";

export interface TickResult {
  done: boolean;
  status: string;
  wakeAt: number | null;
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * The session id of a step's attempt: the same on every replay of the tick that launches it, and new
 * for a re-run (its Workflow instance differs).
 */
export async function stepSessionId(instanceId: string, stepId: string, attempt: number): Promise<SessionId> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${instanceId}/${stepId}/${attempt}`)));
  let body = "";
  for (const b of digest.slice(0, 20)) body += ALPHABET[b % ALPHABET.length];
  return `ses_${body}` as SessionId;
}

/** The LaunchSpec of a step with upstream outputs, run params and matrix values filled in. */
export function stepLaunchSpec(plan: Plan, step: PlannedStep, outputs: ReadonlyMap<string, StepOutput>) {
  const fill = textLookup(outputLookup(plan, outputs, step));
  const params = renderStepParams(step.params, fill);
  if (!params.ok) return { ok: false as const, why: `nothing fills ${params.missing.map((m) => `{{${m}}}`).join(", ")}` };
  const values = resolveParams(step.recipe.params, params.values);
  if (!values.ok) return { ok: false as const, why: values.issues.map((i) => i.message).join("; ") };
  const spec = renderRecipe(step.recipe, values.values, { extra: fill });
  if (!spec.ok) return { ok: false as const, why: spec.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
  return { ok: true as const, spec: spec.spec, values: values.values };
}

/**
 * One tick of the run as Workflow instance `instanceId` sees it. An instance the run no longer names
 * (a retry started another) stops without writing: only the current instance drives a run.
 */
export async function runTick(env: Env, runId: string, instanceId: string, workspaceId?: string, now = Date.now()): Promise<TickResult> {
  const db = makeDb(env.DB);
  const loaded = workspaceId ? await getRun(db, workspaceId, runId) : await getRunById(db, runId);
  if (!loaded) return { done: true, status: "missing", wakeAt: null };
  const { run } = loaded;
  if (run.instanceId !== instanceId) return { done: true, status: "superseded", wakeAt: null };
  if (run.status !== "running") return { done: true, status: run.status, wakeAt: null };
  const plan = planOf(run);
  const states = new Map<string, StepState>(loaded.steps.map((r) => [r.stepId, toStepState(r)]));
  const running = [...states.values()].flatMap((s) => (s.status === "running" && s.sessionId ? [s.sessionId] : []));
  const [ends, pool] = await Promise.all([sessionEnds(db, running), machinePool(db, run.workspaceId)]);
  const tick = advance(plan, states, ends, pool, run.createdBy, now);
  const patches = new Map<string, StepPatch>([...tick.changes].map(([id, c]) => [id, { ...c }]));

  const after = (id: string): StepState => ({ ...states.get(id)!, ...patches.get(id) });
  const outputs = new Map<string, StepOutput>(
    plan.steps.map((p) => [p.id, { status: after(p.id).status, result: after(p.id).result, sessionId: after(p.id).sessionId, costUsd: after(p.id).costUsd }]),
  );
  const who = { workspaceId: run.workspaceId, userId: run.createdBy, subject: run.createdBySubject };
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  // Launches are independent of one another (each its own room and D1 row), so a fan-out starts them together.
  await Promise.all(
    tick.launches.map(async (launch) => {
      const step = byId.get(launch.stepId)!;
      const attempt = after(step.id).attempts;
      const made = stepLaunchSpec(plan, step, outputs);
      const fail = (why: string) => patches.set(step.id, { ...patches.get(step.id), status: "failed", statusReason: why, endedAt: now, agentId: null });
      if (!made.ok) return fail(`cannot start: ${made.why}`);
      const id = await stepSessionId(instanceId, step.id, attempt);
      const origin = {
        templateId: step.template?.id ?? null,
        templateVersion: step.template?.version ?? null,
        templateParams: step.template ? made.values : null,
        pipelineRunId: run.id,
        pipelineStepId: step.id,
      };
      const agent = pool.find((m) => m.id === launch.agent.id)!;
      const r = await launchRun(env, db, who, { kind: "launch", agent, spec: made.spec, title: `${plan.name} · ${step.id}`, origin, id });
      // CONFLICT: this tick was replayed and the session already exists; it is the one this step runs.
      if (!r.ok && r.code !== "CONFLICT") return fail(`cannot start: ${r.message}`);
      patches.set(step.id, { ...patches.get(step.id), sessionId: id, agentName: agent.name, addSession: id });
    }),
  );
  for (const sessionId of tick.interrupts) {
    const r = await (await sessionRoom(env, sessionId)).interrupt(`pipeline:${plan.name}`);
    if (!r.ok) console.warn(`pipeline ${run.id}: interrupting ${sessionId}: ${r.message}`);
  }

  // A launched step is running, so a tick that launched cannot also end the run; one whose launch
  // failed just now is looked at again at once, to end the run or start what follows it.
  const end = tick.run;
  const failedToStart = tick.launches.some((l) => patches.get(l.stepId)?.status === "failed");
  const queued = plan.steps.filter((s) => after(s.id).status === "queued").length;
  const active = plan.steps.filter((s) => after(s.id).status === "running").length;
  const reason = `${active} running, ${queued} queued`;
  if (patches.size || end) {
    const written = await writeTick(db, run.id, instanceId, patches, end, reason, now);
    if (!written) {
      // Cancelled or re-run while this tick ran: the sessions it just launched are unknown to whoever
      // took the run over, so stop them here.
      for (const p of patches.values()) if (p.addSession) await (await sessionRoom(env, p.addSession)).interrupt(`pipeline:${plan.name}`);
      return { done: true, status: "stopped", wakeAt: null };
    }
    await publish(env, run.id);
  }
  return { done: end !== null, status: end?.status ?? "running", wakeAt: failedToStart ? now : tick.wakeAt };
}

/**
 * Ends a run its Workflow instance cannot drive any further (a tick that kept failing, the step
 * budget spent) as `failed` with the reason, interrupts the sessions its steps were running, and
 * shows it. Fenced by the instance: a run another instance drives now is left alone.
 */
export async function stopRun(env: Env, runId: string, instanceId: string, reason: string, now = Date.now()): Promise<string> {
  const db = makeDb(env.DB);
  const running = await endRun(db, runId, { status: "failed", reason, stepReason: `not finished: the run stopped (${reason})`, instanceId }, now);
  if (running === null) return "superseded";
  for (const sessionId of running) {
    const r = await (await sessionRoom(env, sessionId)).interrupt("pipeline");
    if (!r.ok) console.warn(`pipeline ${runId}: interrupting ${sessionId}: ${r.message}`);
  }
  await publish(env, runId);
  return "failed";
}

/** Sends the run's graph to every viewer of its workspace. */
export async function publish(env: Env, runId: string): Promise<void> {
  const fresh = await getRunById(makeDb(env.DB), runId);
  if (!fresh) return;
  const hub = await workspaceHub(env, fresh.run.workspaceId);
  await hub.publish([{ type: "pipeline-upsert", run: toRunView(fresh.run, fresh.steps) }]);
}
