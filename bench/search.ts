/**
 * The search benchmark (`npm run bench -- search`): loads 100,000 events through the real path
 * (agent sockets → rooms → queue → indexer, local implementations), reports indexing throughput
 * from first send to searchable (once), then text, hybrid and semantic search over realistic queries,
 * three runs of each.
 */
import { SESSIONS } from "../test/fixtures/search-corpus/sessions";
import { QUERIES } from "../test/fixtures/search-corpus/queries";
import { medianOfRuns } from "./figures";
import { JsonSocket, stats, uid, type BenchCtx, type Stats } from "./lib";

export type SearchBenchCtx = BenchCtx;

/** A deterministic stream of realistic events: assistant text, tool calls and tool results from the corpus. */
function eventAt(s: number, i: number): Record<string, unknown> {
  const spec = SESSIONS[(s * 7 + i) % SESSIONS.length]!;
  const lines = [spec.prompt, ...spec.says, spec.result];
  const text = `${lines[i % lines.length]} (step ${i} of run ${s})`;
  const tool = spec.tools[i % spec.tools.length]!;
  switch (i % 5) {
    case 3:
      return { type: "assistant", message: { content: [{ type: "tool_use", id: `tu${s}_${i}`, name: tool[0], input: tool[1] }] } };
    case 4:
      return { type: "user", message: { content: [{ type: "tool_result", tool_use_id: `tu${s}_${i - 1}`, content: `${tool[2]} (${i})` }] } };
    default:
      return { type: "assistant", message: { content: [{ type: "text", text }] } };
  }
}

async function loadSession(ctx: SearchBenchCtx, s: number, events: number): Promise<void> {
  const created = await ctx.client.createSession({ prompt: SESSIONS[s % SESSIONS.length]!.prompt, cwd: `/bench/${s % 5}` });
  const launch = await ctx.control.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === created.id);
  const runId = (launch.order as { runId: string }).runId;
  ctx.control.send({ type: "launch-ack", runId });
  const agent = await JsonSocket.open(`${ctx.ws}/api/sessions/${created.id}/agent`, ctx.agentToken);
  let acked = 0;
  const claudeSessionId = uid("claude");
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`session ${s}: ${acked} of ${events + 3} events acknowledged after 60 s`)), 60_000);
    agent.onFrame = (f) => {
      if (f.type === "ack") acked += (f.ids as string[]).length;
      if (acked >= events + 3) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  agent.send({
    type: "agent-events",
    events: [
      { id: uid("ev"), at: Date.now(), event: { type: "run-started", runId } },
      { id: uid("ev"), at: Date.now(), event: { type: "sdk-message", message: { type: "system", subtype: "init", session_id: claudeSessionId } } },
    ],
  });
  for (let i = 0; i < events; i += 200) {
    const batch = Array.from({ length: Math.min(200, events - i) }, (_, k) => ({
      id: uid("ev"),
      at: Date.now(),
      event: { type: "sdk-message", message: eventAt(s, i + k) },
    }));
    agent.send({ type: "agent-events", events: batch });
  }
  // A finished run, as a real session ends: its result is indexed too.
  agent.send({
    type: "agent-events",
    events: [
      {
        id: uid("ev"),
        at: Date.now(),
        event: {
          type: "run-ended",
          runId,
          outcome: {
            kind: "success",
            claudeSessionId,
            result: SESSIONS[s % SESSIONS.length]!.result,
            costUsd: 0.05,
            inputTokens: 1000,
            outputTokens: 500,
            cacheReadTokens: 0,
            cacheCreationTokens: 0,
            numTurns: 3,
            durationMs: 60_000,
          },
        },
      },
    ],
  });
  await done;
  agent.close();
}

async function timeIt(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export interface SearchBenchResult {
  events: number;
  documents: number;
  indexSeconds: number;
  indexedEventsPerSecond: number;
  text: Stats;
  hybrid: Stats;
  semantic: Stats;
  /** Each run's figures; the three above are their median (issue 15). */
  runs: SearchRun[];
}

interface SearchRun {
  text: Stats;
  hybrid: Stats;
  semantic: Stats;
}

const RUNS = 3;

/** 100 sessions × 1,000 events; BENCH_SEARCH_SESSIONS and BENCH_SEARCH_EVENTS shrink it for a quick check. */
export async function searchBench(
  ctx: SearchBenchCtx,
  sessions = Number(process.env.BENCH_SEARCH_SESSIONS ?? 100),
  perSession = Number(process.env.BENCH_SEARCH_EVENTS ?? 1000),
): Promise<SearchBenchResult> {
  const before = await ctx.client.searchStats();
  const t0 = performance.now();
  // One session at a time: JsonSocket.next() on the shared control socket is not for concurrent waiters.
  for (let s = 0; s < sessions; s++) await loadSession(ctx, s, perSession);
  const events = sessions * perSession;
  // Each event is at least one document; wait until the indexer has caught up with all of them. Counted by documents,
  // not vectors: a near-empty document (`201`, `ok`) is indexed for text but gets no vector (worker/search/indexer.ts).
  // A job writes its vectors after its documents: done once every document is in and the vectors stopped moving.
  let after = before;
  for (;;) {
    const vectorsBefore = after.vectors;
    after = await ctx.client.searchStats();
    if (after.documents - before.documents >= events && after.vectors === vectorsBefore) break;
    if (performance.now() - t0 > 480_000) throw new Error(`indexing did not catch up: ${after.documents - before.documents} documents of ${events}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const indexSeconds = (performance.now() - t0) / 1000;
  const queries = QUERIES.map((q) => q.q);
  // First query of each kind loads the vector cache; not a figure anyone waits on twice.
  await ctx.client.search(queries[0]!, { mode: "hybrid" });
  const runs: SearchRun[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await searchRun(ctx, queries));
  return {
    events,
    documents: after.documents - before.documents,
    indexSeconds: Math.round(indexSeconds * 100) / 100,
    indexedEventsPerSecond: Math.round(events / indexSeconds),
    ...medianOfRuns(runs),
    runs,
  };
}

/**
 * One run of the three modes over the labelled queries. Per run fewer samples than the single run had
 * (300 / 300 / 100), so that three runs fit the bench's 10 minutes.
 */
async function searchRun(ctx: SearchBenchCtx, queries: string[]): Promise<SearchRun> {
  const text = await timeIt(150, async (i) => void (await ctx.client.search(queries[i % queries.length]!, { mode: "text" })));
  const hybrid = await timeIt(100, async (i) => void (await ctx.client.search(queries[i % queries.length]!, { mode: "hybrid" })));
  const semantic = await timeIt(50, async (i) => void (await ctx.client.search(queries[i % queries.length]!, { mode: "semantic" })));
  return { text: stats(text), hybrid: stats(hybrid), semantic: stats(semantic) };
}
