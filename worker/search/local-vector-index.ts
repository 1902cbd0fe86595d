/**
 * The local `VectorIndex`: int8 vectors in D1 (search_vectors), searched in an in-isolate store per
 * workspace (vector-store.ts) that loads only rows written since it last looked (by stamp). A query
 * ranks every vector by a bit code and rescores the best few thousand exactly, so its cost grows
 * with history by popcounts, not by dot products.
 */
import type { Db } from "../db/client";
import { readVectors, writeVectors } from "../db/search";
import type { DocKind } from "../protocol/search";
import type { VectorFilter, VectorHit, VectorIndex, VectorRecord } from "./vector-index";
import { quantize } from "./vectors";
import { VectorStore } from "./vector-store";

const PAGE = 5000;

// Module scope: shared by every request an isolate serves, keyed by database, model and workspace.
const caches = new Map<string, { store: VectorStore; stamp: number }>();

const toInt8 = (v: ArrayBuffer | number[]): Int8Array => (Array.isArray(v) ? new Int8Array(Uint8Array.from(v).buffer) : new Int8Array(v));

export class LocalVectorIndex implements VectorIndex {
  constructor(
    private readonly db: Db,
    private readonly model: string,
    private readonly dims: number,
    /** Distinguishes databases that share an isolate (tests); the binding name is enough in dev. */
    private readonly cacheKey = "DB",
    /** The embedder's parts (Embedder.parts): with more than one, sessions are scored part by part. */
    private readonly parts: readonly number[] = [dims],
  ) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    await writeVectors(
      this.db,
      this.model,
      records.map((r) => ({
        docId: r.docId,
        workspaceId: r.workspaceId,
        sessionId: r.sessionId,
        kind: r.kind,
        toolName: r.toolName,
        at: r.at,
        vec: quantize(r.values),
      })),
    );
  }

  async #cacheFor(workspaceId: string): Promise<{ store: VectorStore; stamp: number }> {
    const key = `${this.cacheKey}\u0000${this.model}\u0000${workspaceId}`;
    let cache = caches.get(key);
    if (!cache) caches.set(key, (cache = { store: new VectorStore(this.dims, this.parts), stamp: 0 }));
    for (;;) {
      const rows = await readVectors(this.db, workspaceId, this.model, cache.stamp, PAGE);
      for (const r of rows) cache.store.put(r.docId, r.sessionId, r.kind as DocKind, r.toolName, r.at, toInt8(r.vec));
      if (rows.length) cache.stamp = rows.at(-1)!.stamp;
      if (rows.length < PAGE) return cache;
    }
  }

  async query(vector: Float32Array, f: VectorFilter, topK: number): Promise<VectorHit[]> {
    const { store: c } = await this.#cacheFor(f.workspaceId);
    const sessions = f.sessionIds ? new Set(f.sessionIds) : null;
    const kinds = f.kinds?.length ? new Set(f.kinds) : null;
    const filtered = sessions || kinds || f.toolName !== undefined || f.from !== undefined || f.to !== undefined;
    const wanted = (slot: number) =>
      !(sessions && !sessions.has(c.sessions[slot]!)) &&
      !(kinds && !kinds.has(c.kinds[slot]!)) &&
      !(f.toolName !== undefined && c.tools[slot] !== f.toolName) &&
      !(f.from !== undefined && c.ats[slot]! < f.from) &&
      !(f.to !== undefined && c.ats[slot]! >= f.to);
    return c
      .search(quantize(vector), filtered ? wanted : null, topK)
      .map(({ slot, score }) => ({ docId: c.docIds[slot]!, sessionId: c.sessions[slot]!, score }));
  }
}
