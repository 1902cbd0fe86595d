/**
 * The local `VectorIndex`: int8 vectors in D1 (search_vectors), searched by brute force over an
 * in-isolate cache per workspace that loads only rows written since it last looked (by stamp).
 * Exact nearest neighbours; at 100,000 documents a query is one pass over ~38 MB of int8.
 */
import type { Db } from "../db/client";
import { readVectors, writeVectors } from "../db/search";
import type { DocKind } from "../protocol/search";
import type { VectorFilter, VectorHit, VectorIndex, VectorRecord } from "./vector-index";
import { dotInt8, quantize, TopK } from "./vectors";

const PAGE = 5000;

/** Column-wise cache of one workspace's vectors; a re-written document overwrites its slot. */
class WorkspaceCache {
  stamp = 0;
  count = 0;
  vecs: Int8Array;
  docIds: number[] = [];
  sessions: string[] = [];
  kinds: DocKind[] = [];
  tools: (string | null)[] = [];
  ats: number[] = [];
  slotOf = new Map<number, number>();

  constructor(readonly dims: number) {
    this.vecs = new Int8Array(dims * 1024);
  }

  put(docId: number, sessionId: string, kind: DocKind, tool: string | null, at: number, vec: Int8Array): void {
    let slot = this.slotOf.get(docId);
    if (slot === undefined) {
      slot = this.count++;
      this.slotOf.set(docId, slot);
      if (this.count * this.dims > this.vecs.length) {
        const grown = new Int8Array(this.vecs.length * 2);
        grown.set(this.vecs);
        this.vecs = grown;
      }
    }
    this.vecs.set(vec.subarray(0, this.dims), slot * this.dims);
    this.docIds[slot] = docId;
    this.sessions[slot] = sessionId;
    this.kinds[slot] = kind;
    this.tools[slot] = tool;
    this.ats[slot] = at;
  }
}

// Module scope: shared by every request an isolate serves, keyed by database, model and workspace.
const caches = new Map<string, WorkspaceCache>();

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

  async #cacheFor(workspaceId: string): Promise<WorkspaceCache> {
    const key = `${this.cacheKey}\u0000${this.model}\u0000${workspaceId}`;
    let cache = caches.get(key);
    if (!cache) caches.set(key, (cache = new WorkspaceCache(this.dims)));
    for (;;) {
      const rows = await readVectors(this.db, workspaceId, this.model, cache.stamp, PAGE);
      for (const r of rows) cache.put(r.docId, r.sessionId, r.kind as DocKind, r.toolName, r.at, toInt8(r.vec));
      if (rows.length) cache.stamp = rows.at(-1)!.stamp;
      if (rows.length < PAGE) return cache;
    }
  }

  async query(vector: Float32Array, f: VectorFilter, topK: number): Promise<VectorHit[]> {
    const c = await this.#cacheFor(f.workspaceId);
    const q = quantize(vector);
    const sessions = f.sessionIds ? new Set(f.sessionIds) : null;
    const kinds = f.kinds?.length ? new Set(f.kinds) : null;
    const wanted = (slot: number) =>
      !(sessions && !sessions.has(c.sessions[slot]!)) &&
      !(kinds && !kinds.has(c.kinds[slot]!)) &&
      !(f.toolName !== undefined && c.tools[slot] !== f.toolName) &&
      !(f.from !== undefined && c.ats[slot]! < f.from) &&
      !(f.to !== undefined && c.ats[slot]! >= f.to);
    if (this.parts.length > 1) return this.#queryByParts(c, q, wanted, topK);
    const top = new TopK<number>(topK);
    for (let slot = 0; slot < c.count; slot++) if (wanted(slot)) top.push(dotInt8(c.vecs, slot * c.dims, q, c.dims), slot);
    return top.sorted().map(({ score, item }) => ({ docId: c.docIds[item]!, sessionId: c.sessions[item]!, score }));
  }

  /**
   * One hit per session, scored as the sum over parts of that part's best document: a session whose
   * meaning is in its prompt and whose wording is in a tool call scores on both, which the best
   * single document (one cosine over the whole vector) would average away. The hit names the
   * document best on the whole vector, for the snippet.
   */
  #queryByParts(c: WorkspaceCache, q: Int8Array, wanted: (slot: number) => boolean, topK: number): VectorHit[] {
    const n = this.parts.length;
    const best = new Map<string, { parts: Float64Array; slot: number; whole: number }>();
    const scores = new Float64Array(n);
    for (let slot = 0; slot < c.count; slot++) {
      if (!wanted(slot)) continue;
      let off = 0;
      let whole = 0;
      for (let p = 0; p < n; p++) {
        const len = this.parts[p]!;
        scores[p] = dotInt8(c.vecs, slot * c.dims + off, off === 0 ? q : q.subarray(off), len);
        whole += scores[p]!;
        off += len;
      }
      const b = best.get(c.sessions[slot]!);
      if (!b) best.set(c.sessions[slot]!, { parts: scores.slice(), slot, whole });
      else {
        for (let p = 0; p < n; p++) b.parts[p] = Math.max(b.parts[p]!, scores[p]!);
        if (whole > b.whole) (b.slot = slot), (b.whole = whole);
      }
    }
    const top = new TopK<number>(topK);
    for (const b of best.values())
      top.push(
        b.parts.reduce((x, y) => x + y, 0),
        b.slot,
      );
    return top.sorted().map(({ score, item }) => ({ docId: c.docIds[item]!, sessionId: c.sessions[item]!, score }));
  }
}
