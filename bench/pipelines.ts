/**
 * `npm run bench -- pipelines`: the pipeline scheduler's figures, on the same wrangler dev as the rest.
 *  1. Scheduling overhead: a chain of steps on a simulated machine that ends each session the moment it
 *     is launched; per step, the time from "ready" (the Workflow tick that saw its upstream end) to its
 *     launch order arriving at the agent, and from the upstream session's end to that launch.
 *  2. A 100-step fan-out (matrix) on one real agent running the real Claude Code on the fake Messages
 *     API: the run's wall time beside the sum of the sessions' own times and the ideal packing.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../agent/up/local-server";
import type { ApiClient } from "../worker/client";
import type { RunView } from "../worker/protocol/pipelines";
import { makeClaudeTestEnv } from "../test/fixtures/claude-test-env";
import { enrollMachine } from "../test/fixtures/enroll";
import { startFakeMessagesApi } from "../test/fixtures/fake-messages-api";
import { JsonSocket, spentNothing, stats, type BenchCtx, type Stats } from "./lib";

export type PipelineBenchCtx = Pick<BenchCtx, "url" | "ws" | "client">;

async function until(client: ApiClient, id: string, pred: (r: RunView) => boolean, ms: number): Promise<RunView> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await client.getPipelineRun(id);
    if (pred(r)) return r;
    if (Date.now() > end) throw new Error(`run ${id} did not finish in ${ms} ms: ${r.statusReason}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Part 1: a chain of `n` steps on a simulated machine; overhead samples per step. */
export async function schedulingOverhead(ctx: PipelineBenchCtx, n = 60, round = 0): Promise<{ readyToLaunch: Stats; endToLaunch: Stats }> {
  // A machine and label per run: a later run's steps must not be placed on an earlier run's machine.
  const [name, label] = [`bench-sched-${round}`, `sched${round}`];
  const token = await enrollMachine(ctx.client, name);
  const link = await JsonSocket.open(`${ctx.ws}/api/agents/connect`, token);
  link.send({ type: "hello", machine: { name, hostname: "bench", labels: [label], capacity: 4, versions: {} }, running: [] });
  await link.next((f) => f.type === "welcome");
  const launchedAt = new Map<string, number>();
  const endedAt = new Map<string, number>();
  const stepOf = new Map<string, string>();
  link.onFrame = (f, at) => {
    if (f.type !== "launch") return;
    const order = f.order as { sessionId: string; runId: string; spec: { prompt: string } };
    launchedAt.set(order.sessionId, performance.timeOrigin + at);
    stepOf.set(order.sessionId, order.spec.prompt);
    link.send({ type: "launch-ack", runId: order.runId });
    void (async () => {
      const agent = await JsonSocket.open(`${ctx.ws}/api/sessions/${order.sessionId}/agent`, token);
      const outcome = spentNothing("ok");
      endedAt.set(order.sessionId, performance.timeOrigin + performance.now());
      agent.send({
        type: "agent-events",
        events: [
          { id: `${order.runId}-s`, at: Date.now(), event: { type: "run-started", runId: order.runId } },
          { id: `${order.runId}-e`, at: Date.now(), event: { type: "run-ended", runId: order.runId, outcome } },
        ],
      });
      await agent.next((x) => x.type === "ack");
      agent.close();
    })();
  };
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) steps[`s${i}`] = { prompt: `bench step ${i}`, ...(i ? { needs: `s${i - 1}` } : {}) };
  const run = await ctx.client.startPipelineRun({ pipeline: { name: "bench-chain", defaults: { cwd: "/tmp", selector: { labels: [label] } }, steps } });
  const done = await until(ctx.client, run.id, (r) => r.status !== "running", 120_000);
  link.close();
  if (done.status !== "succeeded") throw new Error(`bench chain ${done.status}: ${done.statusReason}`);
  const readyToLaunch: number[] = [];
  const endToLaunch: number[] = [];
  for (let i = 1; i < done.steps.length; i++) {
    const s = done.steps[i]!;
    const prev = done.steps[i - 1]!;
    const launched = launchedAt.get(s.sessionId!);
    if (launched === undefined || s.readyAt === null) continue;
    readyToLaunch.push(launched - s.readyAt);
    const upstreamEnd = endedAt.get(prev.sessionId!);
    if (upstreamEnd !== undefined) endToLaunch.push(launched - upstreamEnd);
  }
  return { readyToLaunch: stats(readyToLaunch), endToLaunch: stats(endToLaunch) };
}

export interface FanOutFigures {
  steps: number;
  capacity: number;
  wallMs: number;
  sessionsSumMs: number;
  idealMs: number;
  overheadMs: number;
}

/** Part 2: `n` copies of a step on one real agent (capacity `capacity`) running Claude Code on the fake API. */
export async function fanOutPipeline(ctx: PipelineBenchCtx, n = 100, capacity = 4): Promise<FanOutFigures> {
  const root = await mkdtemp(join(tmpdir(), "tower-bench-fan-"));
  const api = await startFakeMessagesApi({ port: 0 });
  const claude = await makeClaudeTestEnv(api.url);
  const token = await enrollMachine(ctx.client, "bench-fan");
  const child = spawn(
    process.execPath,
    [
      join(PROJECT_ROOT, "agent/bin/tower.mjs"),
      "agent",
      "--server",
      ctx.url,
      "--token",
      token,
      "--name",
      "bench-fan",
      "--labels",
      "fan",
      "--capacity",
      String(capacity),
      "--state-dir",
      join(root, "agent"),
    ],
    {
      cwd: root,
      env: Object.fromEntries(Object.entries({ ...process.env, ...claude.env }).filter((e): e is [string, string] => e[1] !== undefined)),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  try {
    const t0 = Date.now();
    while (!out.includes("connected to")) {
      if (child.exitCode !== null || Date.now() - t0 > 30_000) throw new Error(`bench agent did not connect:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const run = await ctx.client.startPipelineRun({
      pipeline: {
        name: "bench-fan",
        steps: { fan: { prompt: "just say hi ({{matrix.index}})", cwd: root, selector: { labels: ["fan"] }, matrix: { count: n } } },
      },
    });
    const done = await until(ctx.client, run.id, (r) => r.status !== "running", 15 * 60_000);
    if (done.status !== "succeeded") throw new Error(`bench fan-out ${done.status}: ${done.statusReason}`);
    let sessionsSumMs = 0;
    for (const s of done.steps) {
      const session = await ctx.client.getSession(s.sessionId!);
      sessionsSumMs += (session.endedAt ?? session.updatedAt) - session.createdAt;
    }
    const wallMs = done.endedAt! - done.createdAt;
    const idealMs = Math.round(sessionsSumMs / capacity);
    return { steps: n, capacity, wallMs, sessionsSumMs, idealMs, overheadMs: wallMs - idealMs };
  } finally {
    child.kill("SIGKILL");
    await api.close();
    await claude.cleanup();
    await rm(root, { recursive: true, force: true });
  }
}
