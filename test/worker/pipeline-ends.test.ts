/**
 * Every pipeline run reaches a named end state, whatever happens to the Workflow instance driving it:
 * a tick that keeps failing, a step budget about to run out, a re-run whose instance cannot be created,
 * an instance a re-run replaced. Real Workflows in workerd; faults come from the pool's introspection
 * (a step made to throw, a wait made to time out) or a binding made to refuse.
 */
import { env } from "cloudflare:workers";
import { introspectWorkflowInstance } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeDb } from "../../worker/db/client";
import { insertRunQueries } from "../../worker/db/pipelines";
import { planPipeline } from "../../worker/pipelines/plan";
import { newId } from "../../worker/protocol/ids";
import { PipelineSpec, type RunView } from "../../worker/protocol/pipelines";
import { api, eventually, seedWorkspace, type Seed } from "./helpers";

/** A one-step run written straight to D1, driven by `instanceId` (no instance is created here). */
async function seedRun(seed: Seed, instanceId: string, status: "running" | "failed" = "running"): Promise<string> {
  const planned = planPipeline(PipelineSpec.parse({ name: "ends", steps: { a: { prompt: "work", cwd: "/w" } } }), new Map(), {});
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  const db = makeDb(env.DB);
  const id = newId("run");
  await db.batch(
    insertRunQueries(
      db,
      { id, workspaceId: seed.workspaceId, plan: planned.plan, params: {}, createdBy: seed.userId, createdBySubject: `user:${seed.userId}`, instanceId },
      Date.now(),
    ),
  );
  if (status === "failed") {
    await env.DB.batch([
      env.DB.prepare("UPDATE pipeline_runs SET status = 'failed', status_reason = 'failed: a', ended_at = ? WHERE id = ?").bind(Date.now(), id),
      env.DB.prepare("UPDATE pipeline_steps SET status = 'failed', status_reason = 'the session ended failed' WHERE run_id = ?").bind(id),
    ]);
  }
  return id;
}

async function runOf(seed: Seed, id: string): Promise<RunView> {
  return (await api(`/api/pipelines/runs/${id}`, seed.userToken)).json<RunView>();
}

const instanceName = () => `test-${crypto.randomUUID()}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("errors", () => {
  it("ends the run failed, with the reason, when a tick fails past its retries", async () => {
    const seed = await seedWorkspace();
    const instanceId = instanceName();
    const runId = await seedRun(seed, instanceId);
    await using instance = await introspectWorkflowInstance(env.PIPELINE, instanceId);
    await instance.modify(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "tick 0" }, new Error("D1 is down"));
    });
    await env.PIPELINE.create({ id: instanceId, params: { runId, workspaceId: seed.workspaceId } });
    await instance.waitForStatus("complete");
    const run = await runOf(seed, runId);
    expect(run).toMatchObject({ status: "failed", statusReason: expect.stringMatching(/a tick failed 6 times: D1 is down; retry the run/) });
    expect(run.endedAt).not.toBeNull();
    expect(run.steps[0]).toMatchObject({ status: "cancelled", statusReason: expect.stringMatching(/not finished: the run stopped/) });
  });

  it("ends the run failed before its instance reaches the platform's step cap", async () => {
    const seed = await seedWorkspace();
    const instanceId = instanceName();
    const runId = await seedRun(seed, instanceId);
    await using instance = await introspectWorkflowInstance(env.PIPELINE, instanceId);
    // The seeded machine is offline, so the step stays queued and every tick waits for the queue's recheck.
    await instance.modify(async (m) => {
      for (const name of ["wait 0", "wait 1", "wait 2"]) await m.forceEventTimeout({ name });
    });
    await env.PIPELINE.create({ id: instanceId, params: { runId, workspaceId: seed.workspaceId, stepCap: 5 } });
    await instance.waitForStatus("complete");
    expect(await instance.getOutput()).toBe("failed");
    const run = await runOf(seed, runId);
    expect(run).toMatchObject({
      status: "failed",
      statusReason: expect.stringMatching(/stopped after 2 ticks, before the Workflow limit of 5 steps per instance; retry the run/),
    });
    expect(run.steps[0]!.status).toBe("cancelled");
  });

  it("puts a re-run back to failed, with the reason, when its Workflow instance cannot be created", async () => {
    const seed = await seedWorkspace();
    const runId = await seedRun(seed, instanceName(), "failed");
    vi.spyOn(env.PIPELINE, "create").mockRejectedValueOnce(new Error("instance quota reached"));
    const res = await api(`/api/pipelines/runs/${runId}/retry`, seed.userToken, { method: "POST" });
    expect(res.status).toBe(500);
    const run = await runOf(seed, runId);
    expect(run).toMatchObject({
      status: "failed",
      statusReason: expect.stringMatching(/the re-run could not start its Workflow \(instance quota reached\); retry it again/),
    });
    expect(run.steps[0]!.status).toBe("cancelled");
    // And it can be re-run once the platform takes instances again.
    expect((await api(`/api/pipelines/runs/${runId}/retry`, seed.userToken, { method: "POST" })).status).toBe(200);
  });
});

describe("security", () => {
  it("an instance the run no longer names (a re-run replaced it) stops without writing to the run", async () => {
    const seed = await seedWorkspace();
    const runId = await seedRun(seed, "the-current-instance");
    const stale = instanceName();
    await using instance = await introspectWorkflowInstance(env.PIPELINE, stale);
    await env.PIPELINE.create({ id: stale, params: { runId, workspaceId: seed.workspaceId } });
    await eventually(async () => (await env.PIPELINE.get(stale)).status().then((s) => s.status === "complete" || s.status === "errored"), 10_000);
    expect(await instance.getOutput()).toBe("superseded");
    const run = await runOf(seed, runId);
    expect(run).toMatchObject({ status: "running", statusReason: "starting" });
    expect(run.steps[0]).toMatchObject({ status: "pending", statusReason: "waiting for what it needs", attempts: 0 });
  });
});
