/**
 * `npm run bench`: Tower's speed figures, measured against wrangler dev on 127.0.0.1 with a fresh
 * local state. Each figure is printed with p50/p95/p99 and its ratio to a floor measured in the
 * same run (a bare WebSocket echo through the same Worker, and a trivial authenticated HTTP route),
 * then written to bench/results.json. Bounded in count and time; it stops by itself.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations, bootstrap, freePort, startWrangler } from "../agent/up/local-server";
import { createApiClient } from "../worker/client";
import { DECISIONS_PER_TOKEN, freshViewer, JsonSocket, startedSession, stats, THINK_MS, uid, type BenchCtx, type Stats } from "./lib";
import { searchBench } from "./search";
import { FIRST_LOAD_TARGET_BYTES } from "./first-load";
import { eventToDom, firstLoadJs } from "./web";
import { fanOutPipeline, schedulingOverhead, type FanOutFigures } from "./pipelines";
import { scrubBench, type ScrubFigures } from "./scrub";
import { cliStartup, type CliFigures } from "./cli";
import { replayBench, rulesBench, type RulesFigures } from "./rules";
import { WorkerProfiler } from "./profile";
import { signedApprovalRoundTrips, type SignedApprovalMedians } from "./signed";
import { scaleBench, scaleBudgetMs, scaleConfig } from "./scale";
import type { ScaleFigures } from "./scale-report";

type Ctx = BenchCtx;

async function timeIt(n: number, fn: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function floors(ctx: Ctx) {
  const http = await timeIt(300, async () => {
    const r = await fetch(`${ctx.url}/api/health`, { headers: { authorization: `Bearer ${ctx.adminToken}` } });
    await r.text();
  });
  const echo = await JsonSocket.open(`${ctx.ws}/api/echo`, ctx.adminToken);
  const ws = await timeIt(300, async () => {
    const n = uid("e");
    echo.send({ n });
    await echo.next((f) => f.n === n);
  });
  echo.close();
  return { http: stats(http), wsEcho: stats(ws) };
}

async function approvalRoundTrip(ctx: Ctx, n = 200) {
  const { id, agent } = await startedSession(ctx);
  let viewer = await freshViewer(ctx, id);
  const seen: number[] = [];
  const total: number[] = [];
  // One approval at a time with a short pause between, as people decide: this measures latency,
  // not how fast a loop can saturate the room.
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % DECISIONS_PER_TOKEN === 0) {
      viewer.close();
      viewer = await freshViewer(ctx, id);
    }
    await new Promise((r) => setTimeout(r, THINK_MS));
    const t0 = performance.now();
    const requestId = uid("req");
    const toolUseId = uid("toolu");
    agent.send({
      type: "agent-events",
      events: [{ id: uid("ev"), at: Date.now(), event: { type: "approval-request", requestId, toolUseId, toolName: "Bash", input: { command: "ls" } } }],
    });
    const frame = await viewer.next((f) => f.type === "events" && JSON.stringify(f).includes(toolUseId));
    seen.push(performance.now() - t0);
    const ev = (frame.events as { type: string; approval?: { id: string; toolUseId: string; inputSha256: string } }[]).find(
      (e) => e.approval?.toolUseId === toolUseId,
    )!;
    viewer.send({ type: "decide", approvalId: ev.approval!.id, body: { decision: "approve", inputSha256: ev.approval!.inputSha256 } });
    await agent.next((f) => f.type === "decision" && f.requestId === requestId);
    total.push(performance.now() - t0);
    agent.drain();
    viewer.drain();
  }
  agent.close();
  viewer.close();
  return { roundTrip: stats(total), agentToViewer: stats(seen) };
}

/**
 * An auto-allowed call: the agent asks, a workspace rule allows, the agent has the answer, with no
 * person. Uses a rule that matches only this part's calls (Write under /tmp/bench-auto) and removes
 * the rules afterwards, so the other parts still reach a person.
 */
async function ruleRoundTrip(ctx: Ctx, n = 200) {
  const source = "rules:\n  - id: bench-auto\n    decision: allow\n    tool: Write\n    path: /tmp/bench-auto/**\n";
  await ctx.client.putRules(source);
  const { agent } = await startedSession(ctx, "rules bench");
  const total: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, 5));
      const requestId = uid("req");
      const t0 = performance.now();
      agent.send({
        type: "agent-events",
        events: [
          {
            id: uid("ev"),
            at: Date.now(),
            event: { type: "approval-request", requestId, toolName: "Write", input: { file_path: `/tmp/bench-auto/f${i}.txt`, content: "x" } },
          },
        ],
      });
      const d = await agent.next((f) => f.type === "decision" && f.requestId === requestId);
      total.push(performance.now() - t0);
      if ((d.answer as { behavior: string }).behavior !== "allow") throw new Error(`the rule did not allow call ${i}: ${JSON.stringify(d)}`);
      agent.drain();
    }
  } finally {
    agent.close();
    await ctx.client.putRules("rules: []\n");
  }
  return stats(total);
}

async function fanOut(ctx: Ctx, viewers: number, events = 100) {
  const { id, agent } = await startedSession(ctx);
  const socks = await Promise.all(Array.from({ length: viewers }, () => JsonSocket.open(`${ctx.ws}/api/sessions/${id}/live`, ctx.adminToken)));
  await Promise.all(socks.map((s) => s.next((f) => f.type === "snapshot")));
  const perDelivery: number[] = [];
  const allDelivered: number[] = [];
  for (let i = 0; i < events; i++) {
    const marker = uid("m");
    const t0 = performance.now();
    const arrivals = socks.map(
      (s) =>
        new Promise<number>((resolve) => {
          s.onFrame = (f, at) => {
            if (f.type === "events" && JSON.stringify(f).includes(marker)) resolve(at - t0);
          };
        }),
    );
    agent.send({
      type: "agent-events",
      events: [
        {
          id: uid("ev"),
          at: Date.now(),
          event: { type: "sdk-message", message: { type: "assistant", marker, message: { content: [{ type: "text", text: "x" }] } } },
        },
      ],
    });
    const times = await Promise.all(arrivals);
    perDelivery.push(...times);
    allDelivered.push(Math.max(...times));
    for (const s of socks) s.drain();
    agent.drain();
  }
  for (const s of socks) s.close();
  agent.close();
  return { viewers, perDelivery: stats(perDelivery), lastViewer: stats(allDelivered) };
}

/**
 * Every new session is indexed for search off the hot path; locally that indexer shares the two
 * cores with the server, so wait for it to finish before timing anything else (bounded: 60 s).
 */
async function searchIndexSettled(ctx: Ctx): Promise<void> {
  let last = -1;
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    const { documents } = await ctx.client.searchStats();
    if (documents === last) return;
    last = documents;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function sessionList(ctx: Ctx, sessions = 1000) {
  const existing = (await ctx.client.listSessions({ limit: 200, archived: "all" })).sessions.length;
  let made = existing;
  const worker = async () => {
    while (made < sessions) {
      made++;
      await ctx.client.createSession({ prompt: `bench session ${made}`, cwd: "/tmp" });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await searchIndexSettled(ctx);
  const page50 = await timeIt(200, async () => void (await ctx.client.listSessions({ limit: 50 })));
  const page200 = await timeIt(100, async () => void (await ctx.client.listSessions({ limit: 200 })));
  return { sessions, page50: stats(page50), page200: stats(page200) };
}

async function ingest(ctx: Ctx, total = 20_000, batch = 200) {
  const { agent } = await startedSession(ctx);
  const t0 = performance.now();
  let acked = 0;
  const done = new Promise<void>((resolve) => {
    agent.onFrame = (f) => {
      if (f.type === "ack") acked += (f.ids as string[]).length;
      if (acked >= total) resolve();
    };
  });
  for (let i = 0; i < total; i += batch) {
    const events = Array.from({ length: Math.min(batch, total - i) }, (_, k) => ({
      id: uid("ev"),
      at: Date.now(),
      event: { type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: `event ${i + k}` }] } } },
    }));
    agent.send({ type: "agent-events", events });
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  agent.close();
  return { events: total, batch, seconds: Math.round(seconds * 1000) / 1000, eventsPerSecond: Math.round(total / seconds) };
}

const fmt = (s: Stats) => `p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  (n=${s.n})`;
const ratio = (a: Stats, floor: Stats) => Math.round((a.p95 / floor.p95) * 100) / 100;

/** `npm run bench -- approval fanout` runs only those parts (for quick checks; results.json needs all). */
const only = new Set(process.argv.slice(2));
const wants = (part: string) => only.size === 0 || only.has(part);

let searchResults: Awaited<ReturnType<typeof searchBench>> | null = null;
let webResults: { firstLoadJs: ReturnType<typeof firstLoadJs>; eventToDom: Stats } | null = null;
let pipelineResults: { readyToLaunch: Stats; endToLaunch: Stats; fanOut: FanOutFigures } | null = null;
let scrubResults: ScrubFigures | null = null;
let cliResults: CliFigures | null = null;
let rulesResults: (RulesFigures & { replay: ReturnType<typeof replayBench> }) | null = null;
let signedResults: SignedApprovalMedians | null = null;
let scaleResults: ScaleFigures[] | null = null;
/** Live sessions on one machine (bench/scale.ts): minutes long, so it runs only when named (`npm run bench -- scale`). */
const scaleCfg = only.has("scale") ? scaleConfig(process.env) : null;

const RESULTS = join(import.meta.dirname, "results.json");

/** A part run alone updates its own key in results.json and leaves the other figures as they were. */
async function mergeResults(patch: Record<string, unknown>): Promise<void> {
  const before = await readFile(RESULTS, "utf8").then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => ({}),
  );
  await writeFile(RESULTS, `${JSON.stringify({ ...before, ...patch }, null, 2)}\n`);
  console.log(`${Object.keys(patch).join(", ")} written to bench/results.json`);
}

/** Scale figures by session count: a run of one level replaces that level's figures and keeps the others'. */
async function mergedScale(levels: ScaleFigures[]): Promise<Record<string, ScaleFigures>> {
  const before = await readFile(RESULTS, "utf8").then(
    (t) => (JSON.parse(t) as { scale?: unknown }).scale,
    () => undefined,
  );
  const kept = before && typeof before === "object" && !Array.isArray(before) ? (before as Record<string, ScaleFigures>) : {};
  return { ...kept, ...Object.fromEntries(levels.map((f) => [String(f.sessions), f])) };
}

/** The parts that need no server: `npm run bench -- rules scrub` runs them without starting wrangler. */
const PURE_PARTS = new Set(["scrub", "rules"]);

function pureParts(): void {
  if (wants("scrub")) {
    scrubResults = scrubBench();
    for (const [name, st] of Object.entries(scrubResults.per100KB)) {
      console.log(`scrub 100 KB of ${JSON.stringify(name).padEnd(26)} ${fmt(st)}  1 MB/100 KB ×${scrubResults.growth[name]} (linear ≈ 10)`);
    }
  }
  if (wants("rules")) {
    rulesResults = { ...rulesBench(), replay: replayBench() };
    const r = rulesResults;
    console.log(
      `rule evaluation, ${r.rules} rules   p50 ${r.p50Us} µs  p95 ${r.p95Us} µs  p99 ${r.p99Us} µs  (n=${r.calls}; compile ${r.compileMs} ms; target p95 ≤ 200 µs)`,
    );
    console.log(`rule replay of ${r.replay.approvals} recorded approvals  ${r.replay.ms} ms (pure core; target ≤ 2,000 ms)`);
  }
}

async function main() {
  if (only.size > 0 && [...only].every((p) => PURE_PARTS.has(p))) return pureParts();
  const root = await mkdtemp(join(tmpdir(), "tower-bench-"));
  const persistDir = join(root, "state");
  applyMigrations(persistDir);
  const boot = await bootstrap(persistDir, "bench-machine");
  const profileDir = process.env.BENCH_PROFILE;
  const inspectorPort = await freePort();
  const server = await startWrangler({
    port: await freePort(),
    persistDir,
    inspectorPort,
    ...(process.env.BENCH_LOG ? { log: (c: string) => process.stderr.write(c) } : {}),
  });
  const profiler = profileDir ? await WorkerProfiler.attach(inspectorPort) : null;
  /** Runs `part`; under BENCH_PROFILE also records the Worker's CPU profile for it and prints its top functions. */
  const profiled = async <T>(name: string, part: () => Promise<T>): Promise<T> => {
    if (!profiler || !profileDir) return part();
    await profiler.start();
    const result = await part();
    for (const line of await profiler.stop(profileDir, name)) console.log(`  profile ${name}: ${line}`);
    return result;
  };
  const ws = server.url.replace(/^http/, "ws");
  const control = await JsonSocket.open(`${ws}/api/agents/connect`, boot.agentToken!);
  control.send({ type: "hello", machine: { name: "bench-machine", hostname: "bench", labels: [], capacity: 4, versions: {} }, running: [] });
  await control.next((f) => f.type === "welcome");
  const ctx: Ctx = {
    url: server.url,
    ws,
    adminToken: boot.adminToken!,
    agentToken: boot.agentToken!,
    client: createApiClient({ baseUrl: server.url, token: boot.adminToken! }),
    control,
  };
  const budgetMs = 600_000 + (scaleCfg ? scaleBudgetMs(scaleCfg) : 0);
  const hardStop = setTimeout(() => {
    console.error(`bench: over its ${Math.round(budgetMs / 60_000)}-minute budget; stopping`);
    void server.stop().then(() => process.exit(1));
  }, budgetMs);
  try {
    await approvalRoundTrip(ctx, 30); // warm-up: first requests compile and start the isolates
    const floor = await floors(ctx);
    console.log(`floor  HTTP /api/health       ${fmt(floor.http)}`);
    console.log(`floor  WebSocket echo         ${fmt(floor.wsEcho)}`);
    let ruleRoom: Stats | null = null;
    const heavyParts = async () => {
      if (scaleCfg) scaleResults = await profiled("scale", () => scaleBench(ctx, server.process.pid!, scaleCfg, (line) => console.log(line)));
      if (wants("cli")) {
        const cli = await cliStartup(ctx);
        const over = (s: Stats, floor = cli.node, name = "node -e 0") =>
          `×${Math.round((s.p50 / floor.p50) * 100) / 100} of ${name} at p50, +${Math.round(s.p50 - floor.p50)} ms`;
        console.log(`cli floor  node -e 0          ${fmt(cli.node)}`);
        console.log(`cli floor  empty snapshot     ${fmt(cli.emptySnapshot)}  ${over(cli.emptySnapshot)}`);
        console.log(`cli floor  node GET health    ${fmt(cli.fetch)}  ${over(cli.fetch)}`);
        console.log(
          `cli floor  node GET sessions  ${fmt(cli.fetchLs)}  ${over(cli.fetchLs)}; ${over(cli.fetchLs, cli.fetch, "bare GET")} (tower ls's request, token checked)`,
        );
        console.log(`cli tower --help             ${fmt(cli.help)}  ${over(cli.help)} (target ≤ 150 ms)`);
        console.log(
          `cli tower ls                 ${fmt(cli.ls)}  ${over(cli.ls)}; ${over(cli.ls, cli.fetch, "bare GET")}; ${over(cli.ls, cli.fetchLs, "its request")} (target ≤ 150 ms)`,
        );
        console.log(`cli without snapshot --help  ${fmt(cli.helpWithoutSnapshot)}  ${over(cli.helpWithoutSnapshot)}`);
        console.log(`cli without snapshot ls      ${fmt(cli.lsWithoutSnapshot)}  ${over(cli.lsWithoutSnapshot)}`);
        cliResults = cli;
      }
      pureParts();
      if (wants("rules-room")) {
        ruleRoom = await profiled("rules-room", () => ruleRoundTrip(ctx));
        console.log(`auto-allowed call (rule) round trip ${fmt(ruleRoom)}  ×${ratio(ruleRoom, floor.wsEcho)} of echo (target ≤ 3×)`);
      }
      if (wants("web")) {
        const js = firstLoadJs();
        console.log(
          `web first load                ${(js.gzipBytes / 1024).toFixed(1)} KB of JS gzipped (${js.files.length} files, home screen included; target ≤ ${FIRST_LOAD_TARGET_BYTES / 1024} KB)`,
        );
        const s = await startedSession(ctx, "web bench");
        const dom = await eventToDom({ url: ctx.url, adminToken: ctx.adminToken, sessionId: s.id, agent: s.agent, n: 200 });
        s.agent.close();
        console.log(`agent event → viewer's DOM    ${fmt(dom)}  ×${ratio(dom, floor.wsEcho)} of echo (target p95 ≤ 50 ms)`);
        webResults = { firstLoadJs: js, eventToDom: dom };
      }
      if (wants("search")) {
        const search = await searchBench(ctx);
        searchResults = search;
        console.log(
          `index ${search.events} events (${search.documents} documents) ${search.indexedEventsPerSecond} events/s, agent send → searchable (target ≥ 1,000)`,
        );
        console.log(`search text over ${search.events} events     ${fmt(search.text)}  ×${ratio(search.text, floor.http)} of /api/health (target p95 ≤ 50 ms)`);
        console.log(`search hybrid                 ${fmt(search.hybrid)}  ×${ratio(search.hybrid, floor.http)} of /api/health (target p95 ≤ 150 ms)`);
        console.log(`search semantic               ${fmt(search.semantic)}  ×${ratio(search.semantic, floor.http)} of /api/health`);
      }
      if (wants("pipelines")) {
        const sched = await schedulingOverhead(ctx);
        console.log(`pipeline step ready → launch on agent  ${fmt(sched.readyToLaunch)}  (target p95 ≤ 50 ms)`);
        console.log(`  upstream session end → next launch   ${fmt(sched.endToLaunch)}`);
        const fan = await fanOutPipeline(ctx, Number(process.env.BENCH_FAN_STEPS ?? 100));
        const pct = Math.round((fan.overheadMs / fan.wallMs) * 1000) / 10;
        console.log(
          `pipeline fan-out of ${fan.steps} sessions   wall ${fan.wallMs} ms on ${fan.capacity} seats; sessions' own time ${fan.sessionsSumMs} ms (÷${fan.capacity} = ${fan.idealMs} ms); overhead ${fan.overheadMs} ms (${pct}% of wall)`,
        );
        pipelineResults = { ...sched, fanOut: fan };
      }
    };
    const signedPart = async () => {
      if (!wants("signed-approval")) return;
      const r = await profiled("signed-approval", () => signedApprovalRoundTrips(ctx));
      const runs = (xs: number[]) => `runs ${xs.join(" / ")} ms`;
      console.log(`signed approval: median of ${r.runs} runs, each interleaving unsigned and signed calls`);
      console.log(`approval round trip, unsigned ${fmt(r.unsigned)}`);
      console.log(`approval round trip, signed   ${fmt(r.signed)}`);
      console.log(`  signing added at p95         ${r.addedP95Ms} ms (${runs(r.addedP95MsRuns)}; target ≤ ${r.targetAddedP95Ms} ms)`);
      console.log(`  signing added at p99         ${r.addedP99Ms} ms (${runs(r.addedP99MsRuns)})`);
      console.log(`  client sign                  ${fmt(r.clientSign)}`);
      console.log(`  agent verify                 ${fmt(r.agentVerify)}`);
      console.log(`  server, unsigned decide      ${fmt(r.serverUnsigned)}`);
      console.log(`  server, signed decide        ${fmt(r.serverSigned)}`);
      signedResults = r;
    };
    // Awaited here, not returned: a returned promise would let `finally` stop the server under it.
    if (only.size > 0 && !wants("approval")) {
      await signedPart();
      await heavyParts();
      if (signedResults) await mergeResults({ signedApproval: signedResults });
      if (scaleResults) await mergeResults({ scale: await mergedScale(scaleResults) });
      return;
    }
    const approval = await profiled("approval", () => approvalRoundTrip(ctx));
    console.log(`approval round trip           ${fmt(approval.roundTrip)}  ×${ratio(approval.roundTrip, floor.wsEcho)} of echo (target p95 ≤ 15 ms)`);
    console.log(`  agent → viewer              ${fmt(approval.agentToViewer)}`);
    await signedPart();
    if (only.size > 0 && !wants("fanout")) return;
    const fan = [];
    for (const v of [1, 10, 100]) {
      const r = await fanOut(ctx, v);
      fan.push(r);
      console.log(
        `fan-out to ${String(v).padStart(3)} viewers         ${fmt(r.perDelivery)}  ×${ratio(r.perDelivery, floor.wsEcho)} of echo${v === 100 ? " (target p95 ≤ 25 ms)" : ""}`,
      );
    }
    const list = await sessionList(ctx);
    console.log(`list of ${list.sessions} sessions, 50/page  ${fmt(list.page50)}  ×${ratio(list.page50, floor.http)} of /api/health (target p95 ≤ 20 ms)`);
    console.log(`  200/page                    ${fmt(list.page200)}  ×${ratio(list.page200, floor.http)} of /api/health`);
    const ingestBatched = await ingest(ctx, 20_000, 200);
    const ingestSingle = await ingest(ctx, 2_000, 1);
    console.log(`ingest into one room          ${ingestBatched.eventsPerSecond} events/s persisted (batches of 200; target ≥ 2,000)`);
    console.log(`  one event per frame         ${ingestSingle.eventsPerSecond} events/s`);
    // The parts below load the server in the background (the search indexer drains 100,000 events,
    // pipelines run 100 real Claude Code sessions), so they come after the latency figures above.
    await heavyParts();
    const results = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      floor,
      approval,
      signedApproval: signedResults,
      fanOut: fan,
      list,
      ingest: { batched: ingestBatched, single: ingestSingle },
      web: webResults,
      search: searchResults,
      pipelines: pipelineResults,
      scrub: scrubResults,
      cli: cliResults,
      rules: rulesResults ? { ...rulesResults, autoAllowedRoundTrip: ruleRoom } : null,
      ratios: {
        approvalP95OverEcho: ratio(approval.roundTrip, floor.wsEcho),
        fanOut100P95OverEcho: ratio(fan[2]!.perDelivery, floor.wsEcho),
        listP95OverHealth: ratio(list.page50, floor.http),
        ...(webResults ? { eventToDomP95OverEcho: ratio(webResults.eventToDom, floor.wsEcho) } : {}),
      },
    };
    // The scale figures come only from `npm run bench -- scale`: a full run keeps the last ones.
    const { scale } = await readFile(RESULTS, "utf8").then(
      (t) => JSON.parse(t) as { scale?: unknown },
      () => ({ scale: undefined }),
    );
    await writeFile(RESULTS, `${JSON.stringify({ ...results, ...(scale ? { scale } : {}) }, null, 2)}\n`);
    console.log("written to bench/results.json");
  } finally {
    clearTimeout(hardStop);
    profiler?.close();
    control.close();
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
