/**
 * The production search implementations against fakes of their bindings (neither Workers AI nor
 * Vectorize runs locally): one namespace per workspace, filters as Vectorize metadata filters,
 * upserts in chunks, foreign or malformed matches dropped, and the embedder's batching.
 */
import { describe, expect, it } from "vitest";
import { VectorizeVectorIndex, type VectorizeBinding } from "../../worker/search/vectorize";
import { WorkersAiEmbedder, WORKERS_AI_MODEL } from "../../worker/search/workers-ai";

function fakeVectorize(matches: VectorizeMatches["matches"] = []) {
  const upserts: VectorizeVector[][] = [];
  const queries: { vector: number[]; options?: VectorizeQueryOptions }[] = [];
  const binding: VectorizeBinding = {
    async upsert(v) {
      upserts.push(v);
      return { ids: v.map((x) => x.id), count: v.length };
    },
    async query(vector, options) {
      queries.push({ vector, ...(options ? { options } : {}) });
      return { matches, count: matches.length };
    },
  };
  return { binding, upserts, queries };
}

describe("happy", () => {
  it("upserts into the workspace's namespace with the filter metadata, in chunks", async () => {
    const f = fakeVectorize();
    const records = Array.from({ length: 1200 }, (_, i) => ({
      docId: i + 1,
      workspaceId: "wsp_a",
      sessionId: "ses_1",
      kind: "assistant" as const,
      toolName: null,
      at: 5,
      values: new Float32Array([1, 0]),
    }));
    await new VectorizeVectorIndex(f.binding).upsert(records);
    expect(f.upserts.map((u) => u.length)).toEqual([500, 500, 200]);
    expect(f.upserts[0]![0]).toEqual({ id: "1", namespace: "wsp_a", values: [1, 0], metadata: { sessionId: "ses_1", kind: "assistant", toolName: "", at: 5 } });
  });

  it("queries one namespace with the filters and keeps only allowed, well-formed matches", async () => {
    const f = fakeVectorize([
      { id: "7", score: 0.9, metadata: { sessionId: "ses_1" } },
      { id: "8", score: 0.8, metadata: { sessionId: "ses_other" } },
      { id: "x", score: 0.7, metadata: { sessionId: "ses_1" } },
      { id: "9", score: 0.6 },
    ]);
    const hits = await new VectorizeVectorIndex(f.binding).query(
      new Float32Array([0, 1]),
      { workspaceId: "wsp_a", sessionIds: ["ses_1"], kinds: ["prompt"], toolName: "Bash", from: 10, to: 20 },
      500,
    );
    expect(hits).toEqual([{ docId: 7, sessionId: "ses_1", score: 0.9 }]);
    expect(f.queries[0]!.options).toEqual({
      topK: 100,
      namespace: "wsp_a",
      returnMetadata: "indexed",
      filter: { kind: { $in: ["prompt"] }, toolName: { $eq: "Bash" }, at: { $gte: 10, $lt: 20 }, sessionId: { $in: ["ses_1"] } },
    });
  });

  it("embeds with bge-small in batches of 100 and normalises", async () => {
    const calls: { model: string; n: number }[] = [];
    const ai = {
      async run(model: string, input: { text: string[] }) {
        calls.push({ model, n: input.text.length });
        return { shape: [input.text.length, 2], data: input.text.map(() => [3, 4]) };
      },
    };
    const out = await new WorkersAiEmbedder(ai).embed(Array.from({ length: 150 }, (_, i) => `t${i}`));
    expect(calls).toEqual([
      { model: WORKERS_AI_MODEL, n: 100 },
      { model: WORKERS_AI_MODEL, n: 50 },
    ]);
    expect(Array.from(out[0]!)).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
  });
});

describe("errors", () => {
  it("refuses a Workers AI answer that is not a list of vectors", async () => {
    const ai = {
      async run() {
        return { data: "nope" };
      },
    };
    await expect(new WorkersAiEmbedder(ai).embed(["x"])).rejects.toThrow();
  });
});
