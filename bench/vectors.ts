/**
 * The local vector index's curve (part `vectors` of `npm run bench`, pure: no server): one query's
 * p50/p95/p99 over 10k, 100k and 1M seeded clustered 384-dimension vectors, the exact int8 scan
 * beside the bounded search (bit pre-filter + exact rescoring, worker/search/vector-store.ts), each
 * run three times with the median printed, and the recall@10 and memory per vector that buys.
 * Run alone: `node --import tsx bench/vectors.ts` (BENCH_VECTOR_SIZES=10000,100000 to shorten).
 */
import type { DocKind } from "../worker/protocol/search";
import { VectorStore } from "../worker/search/vector-store";
import { medianStats, stats, type Stats } from "./lib";

const DIMS = 384;
/** Documents per session and clusters: about what 1,000 sessions of a workspace's history look like. */
const PER_SESSION = 100;
const CLUSTERS = 2000;
/** What the engine asks the index for (engine.ts CANDIDATES). */
const TOP_K = 200;

/** xorshift32: fast enough to fill 384 M components, the same on every machine. */
function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A quantised vector near `centre` (as `quantize` of a unit vector would give, without the float detour). */
function near(r: () => number, centre: Int8Array): Int8Array {
  const v = new Int8Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = Math.max(-127, Math.min(127, centre[i]! + Math.round((r() + r() + r() - 1.5) * 6)));
  return v;
}

function centres(r: () => number): Int8Array[] {
  return Array.from({ length: CLUSTERS }, () => {
    const c = new Int8Array(DIMS);
    // Components of a unit vector in 384 dimensions are ~N(0, 1/384): ×127 gives σ ≈ 6.5.
    for (let i = 0; i < DIMS; i++) c[i] = Math.round((r() + r() + r() + r() - 2) * 11);
    return c;
  });
}

export interface VectorCurvePoint {
  vectors: number;
  exact: Stats;
  bounded: Stats;
  recallAt10: number;
  /** Measured growth of the process (heap + array buffers) per vector held. */
  bytesPerVector: number;
  /** Vectors scored exactly by the last bounded query. */
  rescored: number;
}

function time(queries: Int8Array[], n: number, fn: (q: Int8Array) => void): Stats {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(queries[i % queries.length]!);
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

function measure(size: number): VectorCurvePoint {
  const r = seeded(size);
  const cs = centres(r);
  const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = memory();
  const store = new VectorStore(DIMS);
  for (let i = 0; i < size; i++) store.put(i, `ses_${Math.floor(i / PER_SESSION)}`, "assistant" as DocKind, null, i, near(r, cs[Math.floor(r() * CLUSTERS)]!));
  const bytesPerVector = Math.round((memory() - before) / size);
  const queries = Array.from({ length: 50 }, () => near(r, cs[Math.floor(r() * CLUSTERS)]!));
  let found = 0;
  for (const q of queries.slice(0, 10)) {
    const exact = store.exact(q, null, 10).map((h) => h.slot);
    const got = new Set(store.search(q, null, 10).map((h) => h.slot));
    found += exact.filter((s) => got.has(s)).length / exact.length;
  }
  // Fewer exact queries at 1M: each is a full pass over 384 MB.
  const exactRuns = size >= 1_000_000 ? 8 : size >= 100_000 ? 30 : 100;
  const runs = [0, 1, 2].map(() => ({
    exact: time(queries, exactRuns, (q) => void store.exact(q, null, TOP_K)),
    bounded: time(queries, 100, (q) => void store.search(q, null, TOP_K)),
  }));
  return {
    vectors: size,
    exact: medianStats(runs.map((x) => x.exact)),
    bounded: medianStats(runs.map((x) => x.bounded)),
    recallAt10: Math.round((found / 10) * 1000) / 1000,
    bytesPerVector,
    rescored: store.rescored,
  };
}

const fmt = (s: Stats) => `p50 ${s.p50} p95 ${s.p95} p99 ${s.p99} ms`;

/** Measures every size in turn (one store alive at a time), printing a line per size. */
export function vectorsBench(sizes = (process.env.BENCH_VECTOR_SIZES ?? "10000,100000,1000000").split(",").map(Number)): VectorCurvePoint[] {
  return sizes.map((size) => {
    const p = measure(size);
    console.log(
      `vectors ${String(size).padStart(8)} × ${DIMS}d, top ${TOP_K}: exact ${fmt(p.exact)} | bounded ${fmt(p.bounded)} (rescores ${p.rescored}) | recall@10 ${p.recallAt10} | ${p.bytesPerVector} B/vector`,
    );
    return p;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) vectorsBench();
