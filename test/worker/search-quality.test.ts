/**
 * Search quality on the labelled set (test/fixtures/search-corpus): the corpus is indexed with
 * the real indexer into real D1 (FTS5) and the local vector index, then every query runs in each
 * mode. Prints recall@1, recall@5 and MRR per mode and per kind of query (keyword: the session's
 * own words; paraphrase: none of them), and holds them at or above the levels in the README.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeDb } from "../../worker/db/client";
import type { Actor } from "../../worker/domain/policy";
import { upsertSessionSummary } from "../../worker/db/sessions";
import type { IndexJob, SearchMode } from "../../worker/protocol/search";
import { searchDeps } from "../../worker/search/backend";
import { HashEmbedder } from "../../worker/search/embedder";
import { search, similarSessions, type SearchDeps } from "../../worker/search/engine";
import { runIndexJob } from "../../worker/search/indexer";
import { LocalVectorIndex } from "../../worker/search/local-vector-index";
import { eventsOf, SESSIONS, sessionIdFor, summaryOf } from "../fixtures/search-corpus/corpus";
import { quality, type Quality } from "../fixtures/search-corpus/metrics";
import { PARAPHRASES, QUERIES, type LabelledQuery } from "../fixtures/search-corpus/queries";
import { seedWorkspace } from "./helpers";

const MODES = ["text", "semantic", "hybrid"] as const;
const KINDS = { keyword: QUERIES, paraphrase: PARAPHRASES } as const;
type Kind = keyof typeof KINDS;

/**
 * Recorded levels (README "Search quality"); a change that lowers any of them fails here. The
 * paraphrase hybrid recall@5 is the target of issue 15 (0.6); before the GloVe embedder and the
 * weighted fusion it was 0.250.
 */
const FLOOR: Record<Kind, Record<SearchMode, Omit<Quality, "recallAt1">>> = {
  keyword: {
    text: { recallAt5: 0.953, mrr: 0.89 },
    semantic: { recallAt5: 0.934, mrr: 0.916 },
    hybrid: { recallAt5: 0.972, mrr: 0.924 },
  },
  paraphrase: {
    text: { recallAt5: 0.083, mrr: 0.074 },
    semantic: { recallAt5: 0.611, mrr: 0.362 },
    hybrid: { recallAt5: 0.6, mrr: 0.327 },
  },
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

async function measure(deps: SearchDeps, mode: SearchMode, queries: readonly LabelledQuery[]): Promise<Quality> {
  const runs = [];
  for (const { q, relevant } of queries) {
    const r = await search(deps, { workspaceId, viewer: null, filters: {} }, q, mode, 10);
    if (!r.ok) throw new Error(r.message);
    runs.push({ ranked: r.results.map((x) => keyOf(x.sessionId)), relevant });
  }
  return quality(runs);
}

const fmt = (m: Quality) => `R@1 ${m.recallAt1.toFixed(3)}  R@5 ${m.recallAt5.toFixed(3)}  MRR ${m.mrr.toFixed(3)}`;

describe("search quality on the labelled set", () => {
  const measured = { keyword: {}, paraphrase: {} } as Record<Kind, Record<SearchMode, Quality>>;
  const similar = {} as Record<Kind, Quality>;
  const db = makeDb(env.DB);

  beforeAll(async () => {
    const seed = await seedWorkspace("quality");
    workspaceId = seed.workspaceId;
    const ids = { workspaceId, agentId: seed.agentId, ownerId: seed.userId };
    for (const [i, spec] of SESSIONS.entries()) await upsertSessionSummary(db, summaryOf(spec, i, ids, ns));
    const deps = searchDeps(env, db);
    const owner: Actor = {
      workspaceId,
      kind: "user",
      userId: seed.userId,
      agentId: null,
      role: "owner",
      scopes: [],
      subject: seed.userId,
      tokenId: "quality",
      expiresAt: null,
    };
    await indexCorpus(deps, ids);
    console.log(
      `search quality over ${QUERIES.length} keyword and ${PARAPHRASES.length} paraphrased queries, ${SESSIONS.length} sessions (${deps.embedder.model}):`,
    );
    for (const kind of ["keyword", "paraphrase"] as const) {
      for (const mode of MODES) {
        measured[kind][mode] = await measure(deps, mode, KINDS[kind]);
        console.log(`  ${kind.padEnd(10)} ${mode.padEnd(8)} ${fmt(measured[kind][mode])}`);
      }
      // "Solved before": the same queries as a new task's prompt.
      const runs = [];
      for (const { q, relevant } of KINDS[kind]) {
        const r = await similarSessions(deps, { workspaceId, viewer: null, filters: {} }, owner, q, 10);
        runs.push({ ranked: r.map((x) => keyOf(x.sessionId)), relevant });
      }
      similar[kind] = quality(runs);
      console.log(`  ${kind.padEnd(10)} similar  ${fmt(similar[kind])}`);
    }
  }, 180_000);

  it("has at least 40 keyword and 30 paraphrased queries over at least 40 sessions", () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(40);
    expect(PARAPHRASES.length).toBeGreaterThanOrEqual(30);
    expect(SESSIONS.length).toBeGreaterThanOrEqual(40);
    const keys = new Set(SESSIONS.map((s) => s.key));
    for (const q of [...QUERIES, ...PARAPHRASES]) for (const key of q.relevant) expect(keys.has(key), key).toBe(true);
  });

  it("ranks hybrid above text-only on both kinds of query", () => {
    for (const kind of ["keyword", "paraphrase"] as const) {
      expect(measured[kind].hybrid.recallAt5).toBeGreaterThanOrEqual(measured[kind].text.recallAt5);
      expect(measured[kind].hybrid.mrr).toBeGreaterThan(measured[kind].text.mrr);
    }
  });

  it("ranks hybrid at least as well as semantic alone on paraphrases (the text fallback does not drown meaning)", () => {
    expect(measured.paraphrase.hybrid.recallAt5).toBeGreaterThanOrEqual(measured.paraphrase.semantic.recallAt5);
  });

  it.each(["keyword", "paraphrase"].flatMap((kind) => MODES.map((mode) => [kind as Kind, mode] as const)))(
    "keeps %s queries in %s mode at or above their recorded recall@5 and MRR",
    (kind, mode) => {
      expect(measured[kind][mode].recallAt5).toBeGreaterThanOrEqual(FLOOR[kind][mode].recallAt5);
      expect(measured[kind][mode].mrr).toBeGreaterThanOrEqual(FLOOR[kind][mode].mrr);
    },
  );

  it("finds what was solved before (/similar) at least as well as text search, on both kinds", () => {
    for (const kind of ["keyword", "paraphrase"] as const) expect(similar[kind].mrr).toBeGreaterThanOrEqual(measured[kind].text.mrr);
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
      const sem = await measure(deps, "semantic", PARAPHRASES);
      console.log(`  plain bag-of-words embedder, paraphrase semantic: ${fmt(sem)}`);
      expect(measured.paraphrase.semantic.mrr).toBeGreaterThan(sem.mrr);
    } finally {
      workspaceId = saved;
      ns = "";
    }
  }, 120_000);
});
