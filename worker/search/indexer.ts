/**
 * Indexes one job: takes the session's events from the job when its room sent them along, or reads
 * them from the room (a backfill, an event too large for a message); scrubbed as stored. Turns them
 * into documents, writes documents and FTS rows to D1, then their vectors. Every write is an upsert
 * keyed by (session, seq, part), so a retried or repeated job (a backfill) changes nothing.
 */
import type { Db } from "../db/client";
import { writeDocs } from "../db/search";
import type { SessionEvent } from "../protocol/events";
import type { IndexJob } from "../protocol/search";
import type { SessionSummary } from "../protocol/session";
import { docsOf, titleDoc, type IndexDoc } from "./documents";
import { worthEmbedding, type Embedder } from "./embedder";
import type { VectorIndex } from "./vector-index";

export interface RoomReader {
  summary(): Promise<SessionSummary | null>;
  events(after: number, limit: number): Promise<{ events: SessionEvent[]; lastSeq: number }>;
}

const PAGE = 500;
/** The embedder reads the start of a document; the rest only matters to full-text search. */
const EMBED_CHARS = 1000;

export type IndexOutcome = { ok: true; docs: number } | { ok: false; reason: string };

export async function runIndexJob(deps: { db: Db; embedder: Embedder; vectors: VectorIndex }, room: RoomReader, job: IndexJob): Promise<IndexOutcome> {
  // A job that carries its events was sent by the session's own room, with its own workspace and title.
  const docs = job.carried ? carriedDocs(job, job.carried) : await readDocs(room, job);
  if (typeof docs === "string") return { ok: false, reason: docs };
  if (docs.length === 0) return { ok: true, docs: 0 };
  const ids = await writeDocs(deps.db, job.workspaceId, job.sessionId, docs);
  // Near-empty documents (`201`, `ok`) stay findable by text but get no vector: they would sit near unrelated short queries.
  const embedded = docs.flatMap((d, i) => (worthEmbedding(d.text) ? [{ d, id: ids[i]! }] : []));
  if (embedded.length === 0) return { ok: true, docs: docs.length };
  const vectors = await deps.embedder.embed(embedded.map(({ d }) => d.text.slice(0, EMBED_CHARS)));
  await deps.vectors.upsert(
    embedded.map(({ d, id }, i) => ({
      docId: id,
      workspaceId: job.workspaceId,
      sessionId: job.sessionId,
      kind: d.kind,
      toolName: d.toolName,
      at: d.at,
      values: vectors[i]!,
    })),
  );
  return { ok: true, docs: docs.length };
}

function carriedDocs(job: IndexJob, carried: NonNullable<IndexJob["carried"]>): IndexDoc[] {
  const docs: IndexDoc[] = job.withTitle === false ? [] : [titleDoc(carried.title, carried.createdAt)];
  for (const e of carried.events) if (e.seq > job.after && (job.upTo === null || e.seq <= job.upTo)) docs.push(...docsOf(e));
  return docs;
}

/** The documents of the job's range, read from the room; a refusal's reason as a string. */
async function readDocs(room: RoomReader, job: IndexJob): Promise<IndexDoc[] | string> {
  const summary = await room.summary();
  if (!summary) throw new Error(`session ${job.sessionId} has no room state yet`);
  // Never index a session under another workspace, whatever the message says.
  if (summary.workspaceId !== job.workspaceId) return `session ${job.sessionId} is not in workspace ${job.workspaceId}`;
  const docs: IndexDoc[] = job.withTitle === false ? [] : [titleDoc(summary.title, summary.createdAt)];
  let after = job.after;
  for (;;) {
    const page = await room.events(after, PAGE);
    const wanted = job.upTo === null ? page.events : page.events.filter((e) => e.seq <= job.upTo!);
    for (const e of wanted) docs.push(...docsOf(e));
    if (page.events.length < PAGE || wanted.length < page.events.length) return docs;
    after = page.events.at(-1)!.seq;
  }
}
