/**
 * The local vector store's bounded search (worker/search/vector-store.ts): against the exact scan
 * over seeded clustered sets (dense vectors, and the local embedder's shape of a dense part beside
 * a sparse hashed part), its recall@10 stays ≥ 0.95 while it rescores only the pre-filter's
 * candidates, however many vectors the workspace holds.
 */
import { describe, expect, it } from "vitest";
import type { DocKind } from "../../worker/protocol/search";
import { candidatesFor, VectorStore } from "../../worker/search/vector-store";
import { quantize } from "../../worker/search/vectors";

/** mulberry32: the same set on every machine. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** A dense part near one of `centres`, and (when `sparse`) a hashed-looking part with a few features of the same cluster. */
function clustered(r: () => number, centres: Float32Array[], sparse: number): Float32Array {
  const c = r() * centres.length;
  const centre = centres[Math.floor(c)]!;
  const dense = unit(centre.map((x) => x + 0.09 * gauss(r)));
  if (!sparse) return dense;
  const bag = new Float32Array(sparse);
  // Half the features come from the cluster's vocabulary, half are the document's own.
  for (let f = 0; f < 24; f++) {
    const h = f % 2 ? Math.floor(r() * sparse) : (Math.floor(c) * 131 + Math.floor(r() * 40) * 17) % sparse;
    bag[h]! += (h & 1 ? -1 : 1) * (0.25 + r());
  }
  const out = new Float32Array(dense.length + sparse);
  const b = unit(bag);
  for (let i = 0; i < dense.length; i++) out[i] = dense[i]! * Math.SQRT1_2;
  for (let i = 0; i < sparse; i++) out[dense.length + i] = b[i]! * Math.SQRT1_2;
  return out;
}

function build(n: number, dense: number, sparse: number, seed: number): { store: VectorStore; queries: Int8Array[] } {
  const r = seeded(seed);
  const centres = Array.from({ length: 300 }, () => unit(Float32Array.from({ length: dense }, () => gauss(r))));
  const store = new VectorStore(dense + sparse, sparse ? [dense, sparse] : [dense]);
  for (let i = 0; i < n; i++) store.put(i, `ses_${i % 2000}`, "assistant" as DocKind, null, i, quantize(clustered(r, centres, sparse)));
  return { store, queries: Array.from({ length: 40 }, () => quantize(clustered(r, centres, sparse))) };
}

/** Mean share of the exact top 10 (by session when sessions are scored part by part) that the bounded search returns. */
function recallAt10(store: VectorStore, queries: Int8Array[], key: (slot: number) => string | number): number {
  let sum = 0;
  for (const q of queries) {
    const exact = store.exact(q, null, 10).map((h) => key(h.slot));
    const got = new Set(store.search(q, null, 10).map((h) => key(h.slot)));
    sum += exact.filter((k) => got.has(k)).length / exact.length;
  }
  return sum / queries.length;
}

describe("vector store", { timeout: 60_000 }, () => {
  it("keeps recall@10 ≥ 0.95 on clustered dense vectors while rescoring only the pre-filter's candidates", () => {
    const { store, queries } = build(10_000, 384, 0, 7);
    expect(recallAt10(store, queries, (slot) => slot)).toBeGreaterThanOrEqual(0.95);
    store.search(queries[0]!, null, 10);
    expect(store.rescored).toBeLessThanOrEqual(candidatesFor(10, store.count));
  });

  it("keeps recall@10 ≥ 0.95 by session on the local embedder's shape (a dense part beside a sparse one)", () => {
    const { store, queries } = build(10_000, 100, 384, 11);
    expect(recallAt10(store, queries, (slot) => store.sessions[slot]!)).toBeGreaterThanOrEqual(0.95);
    store.search(queries[0]!, null, 10);
    // Each part's candidates, and each candidate session's best slot of every part.
    expect(store.rescored).toBeLessThanOrEqual(2 * 2 * candidatesFor(10, store.count));
  });

  it("returns only wanted slots, and the exact answer among them when few are wanted", () => {
    const { store, queries } = build(10_000, 384, 0, 3);
    const wanted = (slot: number) => slot % 50 === 0;
    const q = queries[1]!;
    const hits = store.search(q, wanted, 10);
    expect(hits.length).toBe(10);
    expect(hits.every((h) => wanted(h.slot))).toBe(true);
    expect(hits.map((h) => h.slot)).toEqual(store.exact(q, wanted, 10).map((h) => h.slot));
  });

  it("is the exact scan when the store is small", () => {
    const { store, queries } = build(800, 384, 0, 5);
    for (const q of queries.slice(0, 5)) expect(store.search(q, null, 10)).toEqual(store.exact(q, null, 10));
  });

  it("overwrites a re-written document's slot and its code", () => {
    const { store, queries } = build(5_000, 384, 0, 9);
    const q = queries[0]!;
    store.put(4_321, "ses_x", "assistant" as DocKind, null, 0, q);
    expect(store.count).toBe(5_000);
    expect(store.search(q, null, 1)[0]!.slot).toBe(store.slotOf.get(4_321));
  });
});
