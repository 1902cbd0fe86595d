/**
 * The `VectorIndex` interface: where document vectors live and how nearest neighbours are found
 * within one workspace. Production: Vectorize (vectorize.ts, one namespace per workspace). Dev and
 * tests: vectors in D1 with an in-isolate cache (local-vector-index.ts). Hits are only candidates:
 * the caller re-checks every one against D1 (workspace, visibility, filters) before showing it.
 */
import type { DocKind } from "../protocol/search";

export interface VectorRecord {
  docId: number;
  workspaceId: string;
  sessionId: string;
  kind: DocKind;
  toolName: string | null;
  at: number;
  values: Float32Array;
}

export interface VectorFilter {
  workspaceId: string;
  /** Only these sessions (visibility and session-level filters), when the caller narrowed them. */
  sessionIds?: readonly string[];
  kinds?: readonly DocKind[];
  toolName?: string;
  from?: number;
  to?: number;
}

export interface VectorHit {
  docId: number;
  sessionId: string;
  score: number;
}

export interface VectorIndex {
  upsert(records: readonly VectorRecord[]): Promise<void>;
  query(vector: Float32Array, filter: VectorFilter, topK: number): Promise<VectorHit[]>;
}
