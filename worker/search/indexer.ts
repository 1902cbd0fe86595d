/**
 * Indexes jobs: takes a session's events from its job when its room sent them along, or reads them
 * from the room (a backfill, an event too large for a message); scrubbed as stored. Turns them into
 * documents, and writes the documents of many jobs together: their rows and FTS rows to D1, then
 * their vectors. Every write is an upsert keyed by (session, seq, part), so a retried or repeated job
 * (a backfill) changes nothing.
 */
import type { Db } from "../db/client";
import { writeDocs, type OwnedDoc } from "../db/search";
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

export interface IndexDeps {
  db: Db;
  embedder: Embedder;
  vectors: VectorIndex;
}

/** One job: its documents (`jobDocs`), then written (`writeJobDocs`). */
export async function runIndexJob(deps: IndexDeps, room: RoomReader, job: IndexJob): Promise<IndexOutcome> {
  const docs = await jobDocs(room, job);
  if (typeof docs === "string") return { ok: false, reason: docs };
  await writeJobDocs(deps, [{ job, docs }]);
  return { ok: true, docs: docs.length };
}

/** A job's documents, or why it is refused. */
export function jobDocs(room: RoomReader, job: IndexJob): Promise<IndexDoc[] | string> | IndexDoc[] {
  // A job that carries its events was sent by the session's own room, with its own workspace and title.
  return job.carried ? carriedDocs(job, job.carried) : readDocs(room, job);
}

/**
 * Writes the documents of many jobs at once: one D1 batch per 60 documents, one embedding call, one
 * vector upsert, instead of each job's own (at 100 live sessions the consumer's D1 batches per job
 * were 17 % of the Worker's sampled CPU in `npm run bench -- scale`).
 */
export async function writeJobDocs(deps: IndexDeps, jobs: readonly { job: IndexJob; docs: readonly IndexDoc[] }[]): Promise<void> {
  const owned: OwnedDoc[] = jobs.flatMap(({ job, docs }) => docs.map((doc) => ({ workspaceId: job.workspaceId, sessionId: job.sessionId, doc })));
  if (owned.length === 0) return;
  const ids = await writeDocs(deps.db, owned);
  // Near-empty documents (`201`, `ok`) stay findable by text but get no vector: they would sit near unrelated short queries.
  const embedded = owned.flatMap((o, i) => (worthEmbedding(o.doc.text) ? [{ o, id: ids[i]! }] : []));
  if (embedded.length === 0) return;
  const vectors = await deps.embedder.embed(embedded.map(({ o }) => o.doc.text.slice(0, EMBED_CHARS)));
  await deps.vectors.upsert(
    embedded.map(({ o, id }, i) => ({
      docId: id,
      workspaceId: o.workspaceId,
      sessionId: o.sessionId,
      kind: o.doc.kind,
      toolName: o.doc.toolName,
      at: o.doc.at,
      values: vectors[i]!,
    })),
  );
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
