/**
 * `npm run bench -- scale`: live sessions on one machine. A simulated fleet (machines of ≤ 200 sessions,
 * each with its own AgentLink) speaks the real agent protocol: launch → launch-ack → a socket per run,
 * events numbered in their run and acknowledged by the room. Each session sends one event a second for a
 * bounded time while viewers spread over the rooms time event → viewer and account every sequence
 * number; workerd's memory and CPU come from /proc before, during and after (bench/scale-figures.ts).
 */
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { JsonSocket, type BenchCtx } from "./lib";
import { endRun, Machine, openViewer, pool, SESSIONS_PER_MACHINE, SETUP_CONCURRENCY, send, sleep, STEP_MS, startRun, type Run } from "./scale-fleet";
import { parseCount, parseLevels, windowed, type ProcSample, type Sample } from "./scale-figures";
import { clockTicks, describe, processes, sample, summarize, type ScaleFigures, type Tally, type ViewerTally } from "./scale-report";

export interface ScaleOptions {
  sessions: number;
  viewers: number;
  seconds: number;
  eventsPerSecond: number;
  /** wrangler's process group (it was started detached): workerd runs in it. */
  pgrp: number;
}

/** One level: set up `sessions` runs and the viewers, stream for `seconds`, drain, end every run. */
export async function scaleLevel(ctx: BenchCtx, opts: ScaleOptions, log: (line: string) => void): Promise<ScaleFigures> {
  let closing = false;
  const isClosing = () => closing;
  const tally: Tally = { errors: 0, firstErrors: [], delivered: 0, sockets: [] };
  const workerd = processes(opts.pgrp, "workerd");
  if (!workerd.length) throw new Error(`scale: no workerd process in wrangler's process group ${opts.pgrp}`);
  const both = () => ({ workerd: sample(workerd), wrangler: sample([opts.pgrp]) });
  const loadBefore = loadavg()[0]!;
  const base = sample(workerd);
  const t0 = performance.now();
  const machines: Machine[] = [];
  for (let m = 0; m * SESSIONS_PER_MACHINE < opts.sessions; m++)
    machines.push(await Machine.enroll(ctx, `scale-${opts.sessions}-${m}-${Date.now().toString(36)}`));
  const runs: Run[] = [];
  await pool(
    Array.from({ length: opts.sessions }, (_, i) => i),
    SETUP_CONCURRENCY,
    async (i) => {
      runs.push(await startRun(ctx, machines[Math.floor(i / SESSIONS_PER_MACHINE)]!, i, tally, isClosing));
      if (runs.length % 50 === 0) log(`  ${runs.length} of ${opts.sessions} runs started (${Math.round((performance.now() - t0) / 1000)} s)`);
    },
  );
  runs.sort((a, b) => a.index - b.index);
  const samples: Sample[] = [];
  const viewers: ViewerTally[] = [];
  await pool(
    Array.from({ length: opts.viewers }, (_, v) => runs[v % runs.length]!),
    SETUP_CONCURRENCY,
    async (run) => {
      viewers.push(await openViewer(ctx, run, tally, samples, isClosing));
    },
  );
  const setupSeconds = Math.round((performance.now() - t0) / 100) / 10;
  log(`scale ${opts.sessions}: ${runs.length} runs on ${machines.length} machines and ${viewers.length} viewers set up in ${setupSeconds} s`);
  const sockets = () => [...tally.sockets, ...runs.map((r) => r.agent), ...machines.map((m) => m.control)];
  // Idle: every room set up, nothing sent. Settle first (the creations' mirror writes and index jobs).
  await sleep(5_000);
  const idleFrom = both();
  await sleep(5_000);
  const idleTo = both();
  for (const s of sockets()) s.drain();

  // One person with the session list open: every summary the rooms write to D1 reaches it as a
  // session-upsert (queued in the same transaction that drops the delivered D1 row), so it counts them.
  const hub = await JsonSocket.open(`${ctx.ws}/api/workspace/live`, ctx.adminToken);
  await hub.next((f) => f.type === "hello", STEP_MS);
  tally.sockets.push(hub);
  let counting = true;
  let hubUpserts = 0;
  hub.onFrame = (f) => {
    if (counting && f.type === "session-upsert") hubUpserts++;
  };
  const docsBefore = (await ctx.client.searchStats()).documents;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const clientCpu = process.cpuUsage();
  const period = 1000 / opts.eventsPerSecond;
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  for (const r of runs) r.nextAt = start + (r.index / runs.length) * period;
  const activeFrom = both();
  const sender = setInterval(() => {
    const now = performance.now();
    for (const r of runs) {
      while (r.nextAt <= now && r.nextAt < end) {
        send(r);
        r.nextAt += period;
      }
    }
  }, 2);
  const trace: ProcSample[] = [activeFrom.workerd];
  while (performance.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - performance.now())));
    trace.push(sample(workerd));
    for (const s of sockets()) s.drain();
    if (trace.length % 15 === 1) log(progress(trace, start, runs, tally));
  }
  clearInterval(sender);
  const activeTo = both();
  counting = false;
  const loadActive = loadavg()[0]!;
  const client = process.cpuUsage(clientCpu);
  loop.disable();
  // Drain: a bounded wait for the rooms' acks and the viewers' last deliveries.
  const expected = () => viewers.reduce((n, v) => n + v.sentAt.length, 0);
  for (const until = performance.now() + 15_000; performance.now() < until; ) {
    if (runs.every((r) => r.acked >= r.sentAt.length) && tally.delivered >= expected()) break;
    await sleep(250);
  }

  const docsAfter = (await ctx.client.searchStats()).documents;
  // End every run as the agent does (run-ended, acknowledged), then close everything.
  await pool(runs, SETUP_CONCURRENCY, (r) => endRun(r, tally));
  closing = true;
  for (const s of sockets()) s.close();
  await sleep(5_000);
  const warmupMs = Math.min(10_000, opts.seconds * 100);
  return summarize({
    opts,
    machines: machines.length,
    setupSeconds,
    warmupSeconds: warmupMs / 1000,
    latency: windowed(samples, start + warmupMs, end),
    runs: runs.map((r) => ({ sent: r.sentAt.length, acked: r.acked })),
    viewers,
    tally,
    proc: { base, idle: [idleFrom, idleTo], active: [activeFrom, activeTo], peakRss: Math.max(...trace.map((t) => t.rssBytes)), after: sample(workerd) },
    perEvent: { hubUpserts, documentsIndexed: docsAfter - docsBefore },
    load: { before: loadBefore, active: loadActive, after: loadavg()[0]! },
    client: { cpuMs: Math.round((client.user + client.system) / 1000), eventLoopP99Ms: Math.round(loop.percentile(99) / 1e4) / 100 },
  });
}

function progress(trace: ProcSample[], start: number, runs: Run[], tally: Tally): string {
  const s = trace[trace.length - 1]!;
  const prev = trace[Math.max(0, trace.length - 16)]!;
  const cpu = ((s.cpuTicks - prev.cpuTicks) / clockTicks / ((s.at - prev.at) / 1000)) * 100;
  const sent = runs.reduce((n, r) => n + r.sentAt.length, 0);
  return `  t=${Math.round((s.at - start) / 1000)} s  workerd ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB, ${cpu.toFixed(0)} % CPU; ${sent} sent, ${tally.delivered} delivered, ${tally.errors} errors; load ${loadavg()[0]!.toFixed(2)}`;
}

export interface ScaleConfig {
  levels: number[];
  viewers: number;
  seconds: number;
  eventsPerSecond: number;
}

/** `BENCH_SCALE_SESSIONS=100,250 BENCH_SCALE_SECONDS=60 BENCH_SCALE_VIEWERS=200 BENCH_SCALE_RATE=1`; defaults: the target row. */
export function scaleConfig(env: NodeJS.ProcessEnv): ScaleConfig {
  return {
    levels: parseLevels(env.BENCH_SCALE_SESSIONS, [100, 250, 1000]),
    viewers: parseCount("BENCH_SCALE_VIEWERS", env.BENCH_SCALE_VIEWERS, 200, 2000),
    seconds: parseCount("BENCH_SCALE_SECONDS", env.BENCH_SCALE_SECONDS, 300, 3600),
    eventsPerSecond: parseCount("BENCH_SCALE_RATE", env.BENCH_SCALE_RATE, 1, 20),
  };
}

/** The most the part may take: streaming, setup (~0.4 s a session on a loaded machine, allowed 0.6), settling and teardown, per level. */
export function scaleBudgetMs(cfg: ScaleConfig): number {
  return cfg.levels.reduce((ms, n) => ms + cfg.seconds * 1000 + 90_000 + n * 600, 0);
}

/**
 * Runs the levels in order on one server. A level that loses events or whose p95 passes 2 s ends the
 * climb: a larger one would only be slower, and the part must stop in its budget.
 */
export async function scaleBench(ctx: BenchCtx, pgrp: number, cfg: ScaleConfig, log: (line: string) => void): Promise<ScaleFigures[]> {
  const out: ScaleFigures[] = [];
  for (const sessions of cfg.levels) {
    const f = await scaleLevel(ctx, { sessions, viewers: cfg.viewers, seconds: cfg.seconds, eventsPerSecond: cfg.eventsPerSecond, pgrp }, log);
    out.push(f);
    for (const line of describe(f)) log(line);
    if (f.events.lost > 0 || f.eventToViewer.whole.p95 > 2000) {
      const rest = cfg.levels.slice(cfg.levels.indexOf(sessions) + 1);
      if (rest.length)
        log(`scale: ${sessions} sessions did not hold (p95 ${f.eventToViewer.whole.p95} ms, ${f.events.lost} lost); not running ${rest.join(", ")}`);
      break;
    }
  }
  return out;
}
