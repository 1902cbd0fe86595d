/**
 * Search quality on the labelled set (test/fixtures/search-corpus): the corpus is indexed with
 * the real indexer into real D1 (FTS5) and the local vector index, then every query runs in each
 * mode. Prints recall@5 and MRR, and holds them at or above the levels recorded in the README.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeDb } from "../../worker/db/client";
import { upsertSessionSummary } from "../../worker/db/sessions";
import type { IndexJob, SearchMode } from "../../worker/protocol/search";
import { searchDeps } from "../../worker/search/backend";
import { HashEmbedder } from "../../worker/search/embedder";
import { search, type SearchDeps } from "../../worker/search/engine";
import { runIndexJob } from "../../worker/search/indexer";
import { LocalVectorIndex } from "../../worker/search/local-vector-index";
import { eventsOf, SESSIONS, sessionIdFor, summaryOf } from "../fixtures/search-corpus/corpus";
import { quality, type Quality } from "../fixtures/search-corpus/metrics";
import { QUERIES } from "../fixtures/search-corpus/queries";
import { seedWorkspace } from "./helpers";

/** Recorded levels (README "Search quality"); a change that lowers any of them fails here. */
const FLOOR: Record<SearchMode, Quality> = {
  text: { recallAt5: 0.953, mrr: 0.89 },
  semantic: { recallAt5: 0.953, mrr: 0.86 },
  hybrid: { recallAt5: 0.962, mrr: 0.914 },
};

let workspaceId = "";
let ns = "";
const keyOf = (sessionId: string) => SESSIONS.find((s) => sessionIdFor(s.key, ns) === sessionId)?.key ?? sessionId;

async function indexCorpus(deps: SearchDeps, ids: { workspaceId: string; agentId: string; ownerId: string }): Promise<void> {
  for (const [i, spec] of SESSIONS.entries()) {
    const summary = summaryOf(spec, i, ids, ns);
    const events = eventsOf(spec, i);
    const job: IndexJob = { workspaceId: ids.workspaceId, sessionId: summary.id, after: 0, upTo: null };
    await runIndexJob(
      deps,
      {
        summary: async () => summary,
        events: async (after, limit) => ({ events: events.filter((e) => e.seq > after).slice(0, limit), lastSeq: events.length }),
      },
      job,
    );
  }
}

async function measure(deps: SearchDeps, mode: SearchMode): Promise<Quality> {
  const runs = [];
  for (const { q, relevant } of QUERIES) {
    const r = await search(deps, { workspaceId, viewer: null, filters: {} }, q, mode, 10);
    if (!r.ok) throw new Error(r.message);
    runs.push({ ranked: r.results.map((x) => keyOf(x.sessionId)), relevant });
  }
  return quality(runs);
}

describe("search quality on the labelled set", () => {
  const measured = {} as Record<SearchMode, Quality>;
  const db = makeDb(env.DB);

  beforeAll(async () => {
    const seed = await seedWorkspace("quality");
    workspaceId = seed.workspaceId;
    const ids = { workspaceId, agentId: seed.agentId, ownerId: seed.userId };
    for (const [i, spec] of SESSIONS.entries()) await upsertSessionSummary(db, summaryOf(spec, i, ids, ns));
    await indexCorpus(searchDeps(env, db), ids);
    for (const mode of ["text", "semantic", "hybrid"] as const) measured[mode] = await measure(searchDeps(env, db), mode);
    console.log(`search quality over ${QUERIES.length} queries, ${SESSIONS.length} sessions:`);
    for (const mode of ["text", "semantic", "hybrid"] as const)
      console.log(`  ${mode.padEnd(8)} recall@5 ${measured[mode].recallAt5}  MRR ${measured[mode].mrr}`);
  }, 120_000);

  it("has at least 40 labelled queries over at least 40 sessions", () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(40);
    expect(SESSIONS.length).toBeGreaterThanOrEqual(40);
    const keys = new Set(SESSIONS.map((s) => s.key));
    for (const q of QUERIES) for (const key of q.relevant) expect(keys.has(key), key).toBe(true);
  });

  it("ranks hybrid above text-only", () => {
    expect(measured.hybrid.recallAt5).toBeGreaterThan(measured.text.recallAt5);
    expect(measured.hybrid.mrr).toBeGreaterThan(measured.text.mrr);
  });

  it.each(["text", "semantic", "hybrid"] as const)("keeps %s at or above its recorded recall@5 and MRR", (mode) => {
    expect(measured[mode].recallAt5).toBeGreaterThanOrEqual(FLOOR[mode].recallAt5);
    expect(measured[mode].mrr).toBeGreaterThanOrEqual(FLOOR[mode].mrr);
  });

  it("measures the local embedder against a plain hashed bag of words (the comparison in the README)", async () => {
    const plain = new HashEmbedder(384, { stems: 1, concepts: 0, bigrams: 0, trigrams: 0 }, "plain");
    const deps: SearchDeps = { db, embedder: plain, vectors: new LocalVectorIndex(db, plain.model, plain.dimensions) };
    const seed = await seedWorkspace("quality-plain");
    const ids = { workspaceId: seed.workspaceId, agentId: seed.agentId, ownerId: seed.userId };
    // Same corpus, own workspace: only the vectors differ (the FTS side is identical).
    const saved = workspaceId;
    workspaceId = seed.workspaceId;
    ns = "plain";
    try {
      for (const [i, spec] of SESSIONS.entries()) await upsertSessionSummary(db, summaryOf(spec, i, ids, ns));
      await indexCorpus(deps, ids);
      const sem = await measure(deps, "semantic");
      const hyb = await measure(deps, "hybrid");
      console.log(`  plain bag-of-words embedder: semantic recall@5 ${sem.recallAt5} MRR ${sem.mrr}; hybrid recall@5 ${hyb.recallAt5} MRR ${hyb.mrr}`);
      expect(measured.semantic.mrr).toBeGreaterThanOrEqual(sem.mrr);
    } finally {
      workspaceId = saved;
      ns = "";
    }
  }, 120_000);
});
