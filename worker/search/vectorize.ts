/**
 * The production `VectorIndex` on Cloudflare Vectorize: one namespace per workspace (so a query
 * can never see another workspace's vectors), metadata for the filters, ids = document ids.
 * The only module that touches `env.VECTORIZE`. Needs metadata indexes on sessionId, kind, toolName
 * and at: filters use them, and only indexed metadata comes back with a topK of 100.
 */
import { z } from "zod";
import type { VectorFilter, VectorHit, VectorIndex, VectorRecord } from "./vector-index";

/** Vectorize caps a query's topK at 100 when metadata is not returned with it. */
const MAX_TOP_K = 100;
/** Vectors per upsert call (the binding takes at most 1,000). */
const UPSERT_BATCH = 500;
/** An `$in` filter this long is better applied after the query than sent with it. */
const MAX_IN = 100;

const Metadata = z.object({ sessionId: z.string() });

export class VectorizeVectorIndex implements VectorIndex {
  constructor(private readonly index: VectorizeBinding) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += UPSERT_BATCH) {
      await this.index.upsert(
        records.slice(i, i + UPSERT_BATCH).map((r) => ({
          id: String(r.docId),
          namespace: r.workspaceId,
          values: Array.from(r.values),
          metadata: { sessionId: r.sessionId, kind: r.kind, toolName: r.toolName ?? "", at: r.at },
        })),
      );
    }
  }

  async query(vector: Float32Array, f: VectorFilter, topK: number): Promise<VectorHit[]> {
    const filter: Record<string, unknown> = {};
    if (f.kinds?.length) filter.kind = { $in: [...f.kinds] };
    if (f.toolName !== undefined) filter.toolName = { $eq: f.toolName };
    if (f.from !== undefined || f.to !== undefined)
      filter.at = { ...(f.from !== undefined ? { $gte: f.from } : {}), ...(f.to !== undefined ? { $lt: f.to } : {}) };
    if (f.sessionIds && f.sessionIds.length <= MAX_IN) filter.sessionId = { $in: [...f.sessionIds] };
    const r = await this.index.query(Array.from(vector), {
      topK: Math.min(topK, MAX_TOP_K),
      namespace: f.workspaceId,
      returnMetadata: "indexed",
      ...(Object.keys(filter).length ? { filter: filter as VectorizeVectorMetadataFilter } : {}),
    });
    const allowed = f.sessionIds ? new Set(f.sessionIds) : null;
    const hits: VectorHit[] = [];
    for (const m of r.matches) {
      const meta = Metadata.safeParse(m.metadata);
      const docId = Number(m.id);
      if (!meta.success || !Number.isInteger(docId)) continue; // not ours: skip rather than trust it
      if (allowed && !allowed.has(meta.data.sessionId)) continue;
      hits.push({ docId, sessionId: meta.data.sessionId, score: m.score });
    }
    return hits;
  }
}

/** What this module needs of the binding (both the Vectorize and the legacy VectorizeIndex types fit). */
export interface VectorizeBinding {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  query(vector: number[], options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
}
