/**
 * Queries of the search index: idempotent writes of documents (D1 batches, FTS rows keyed by the
 * document id), full-text search with bm25 and every filter, and the lookups results need. Every
 * read is scoped to one workspace and, for non-admins, to the sessions they may see (visibleTo),
 * so no search path can cross workspaces or show a private session.
 */
import { sql, type SQL } from "drizzle-orm";
import type { IndexDoc } from "../search/documents";
import type { DocKind, SearchFilters } from "../protocol/search";
import type { SessionStatus } from "../protocol/session";
import type { Db } from "./client";
import { visibleTo } from "./grants";

/** Documents per D1 batch (three statements each): small enough for D1's limits, large enough to be fast. */
const DOCS_PER_BATCH = 60;

/** A document to index with the session it belongs to (one batch may hold many sessions' documents). */
export interface OwnedDoc {
  workspaceId: string;
  sessionId: string;
  doc: IndexDoc;
}

/**
 * Upserts documents and their FTS rows, one D1 batch (transaction) per chunk, whatever sessions
 * they belong to. Returns each document's id, in the order given.
 */
export async function writeDocs(db: Db, owned: readonly OwnedDoc[]): Promise<number[]> {
  const d1 = db.$client;
  const ids: number[] = [];
  for (let i = 0; i < owned.length; i += DOCS_PER_BATCH) {
    const chunk = owned.slice(i, i + DOCS_PER_BATCH);
    const stmts = chunk.flatMap(({ workspaceId, sessionId, doc: d }) => {
      const key = [sessionId, d.seq, d.part] as const;
      return [
        d1
          .prepare(
            `INSERT INTO search_docs (workspace_id, session_id, seq, part, kind, tool_name, path, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (session_id, seq, part) DO UPDATE SET kind = excluded.kind, tool_name = excluded.tool_name, path = excluded.path, at = excluded.at
             RETURNING id`,
          )
          .bind(workspaceId, ...key, d.kind, d.toolName, d.path, d.at),
        d1.prepare(`DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE session_id = ? AND seq = ? AND part = ?)`).bind(...key),
        d1.prepare(`INSERT INTO search_fts (rowid, text) SELECT id, ? FROM search_docs WHERE session_id = ? AND seq = ? AND part = ?`).bind(d.text, ...key),
      ];
    });
    const results = await d1.batch<{ id: number }>(stmts);
    for (let k = 0; k < chunk.length; k++) ids.push(results[k * 3]!.results[0]!.id);
  }
  return ids;
}

export interface VectorRow {
  docId: number;
  workspaceId: string;
  sessionId: string;
  kind: string;
  toolName: string | null;
  at: number;
  vec: Int8Array;
}

/** Upserts quantised vectors; each write takes the workspace's next stamp. */
export async function writeVectors(db: Db, model: string, rows: readonly VectorRow[]): Promise<void> {
  const d1 = db.$client;
  for (let i = 0; i < rows.length; i += DOCS_PER_BATCH * 2) {
    await d1.batch(
      rows.slice(i, i + DOCS_PER_BATCH * 2).map((r) =>
        d1
          .prepare(
            `INSERT INTO search_vectors (doc_id, workspace_id, session_id, kind, tool_name, at, model, stamp, vec)
             VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(stamp), 0) + 1 FROM search_vectors WHERE workspace_id = ?), ?)
             ON CONFLICT (doc_id) DO UPDATE SET kind = excluded.kind, tool_name = excluded.tool_name, at = excluded.at, model = excluded.model, stamp = excluded.stamp, vec = excluded.vec`,
          )
          .bind(
            r.docId,
            r.workspaceId,
            r.sessionId,
            r.kind,
            r.toolName,
            r.at,
            model,
            r.workspaceId,
            new Uint8Array(r.vec.buffer, r.vec.byteOffset, r.vec.byteLength),
          ),
      ),
    );
  }
}

/** Vectors of a workspace written after `afterStamp`, oldest first (for the local index's cache). */
export async function readVectors(
  db: Db,
  workspaceId: string,
  model: string,
  afterStamp: number,
  limit: number,
): Promise<(Omit<VectorRow, "vec"> & { stamp: number; vec: ArrayBuffer | number[] })[]> {
  const r = await db.$client
    .prepare(
      `SELECT doc_id AS docId, workspace_id AS workspaceId, session_id AS sessionId, kind, tool_name AS toolName, at, stamp, vec
       FROM search_vectors WHERE workspace_id = ? AND model = ? AND stamp > ? ORDER BY stamp LIMIT ?`,
    )
    .bind(workspaceId, model, afterStamp, limit)
    .all<Omit<VectorRow, "vec"> & { stamp: number; vec: ArrayBuffer | number[] }>();
  return r.results;
}

export interface Scope {
  workspaceId: string;
  /** Limits results to what this user may see; null for admins, who see every session. */
  viewer: string | null;
  filters: SearchFilters;
}

/** Conditions on the session row (joined as `sessions`, with `agents`): workspace, visibility, filters. */
function sessionConditions(db: Db, s: Scope): SQL[] {
  const f = s.filters;
  const c: SQL[] = [sql`sessions.workspace_id = ${s.workspaceId}`];
  if (s.viewer) c.push(visibleTo(db, s.viewer));
  if (f.agent) c.push(sql`(sessions.agent_id = ${f.agent} OR agents.name = ${f.agent})`);
  if (f.cwd) {
    const dir = f.cwd.replace(/\/+$/, "") || "/";
    c.push(sql`(sessions.cwd = ${dir} OR substr(sessions.cwd, 1, ${dir.length + 1}) = ${`${dir}/`})`);
  }
  if (f.status?.length) c.push(sql`sessions.status IN (SELECT value FROM json_each(${JSON.stringify(f.status)}))`);
  if (f.author) c.push(sql`sessions.owner_id = ${f.author}`);
  return c;
}

/** Conditions on the document row (`search_docs`). */
function docConditions(s: Scope): SQL[] {
  const f = s.filters;
  const c: SQL[] = [sql`search_docs.workspace_id = ${s.workspaceId}`];
  if (f.tool) c.push(sql`search_docs.tool_name = ${f.tool}`);
  if (f.kind?.length) c.push(sql`search_docs.kind IN (SELECT value FROM json_each(${JSON.stringify(f.kind)}))`);
  if (f.from !== undefined) c.push(sql`search_docs.at >= ${f.from}`);
  if (f.to !== undefined) c.push(sql`search_docs.at < ${f.to}`);
  return c;
}

export interface DocHit {
  id: number;
  sessionId: string;
  seq: number;
  kind: DocKind;
  toolName: string | null;
  at: number;
  /** bm25 for text hits (lower is better); filled by the caller for semantic hits. */
  rank: number;
  title: string;
  status: SessionStatus;
  agentName: string | null;
  cwd: string;
  ownerId: string;
  createdAt: number;
  costUsd: number;
  result: string | null;
  endedAt: number | null;
}

const HIT_COLUMNS = sql`search_docs.id AS id, search_docs.session_id AS sessionId, search_docs.seq AS seq, search_docs.kind AS kind,
  search_docs.tool_name AS toolName, search_docs.at AS at, sessions.title AS title, sessions.status AS status, agents.name AS agentName,
  sessions.cwd AS cwd, sessions.owner_id AS ownerId, sessions.created_at AS createdAt, sessions.cost_usd AS costUsd,
  sessions.result AS result, sessions.ended_at AS endedAt`;

const where = (parts: SQL[]) => sql.join(parts, sql` AND `);

/** Full-text hits, best bm25 first. */
export async function textSearch(db: Db, s: Scope, match: string, limit: number): Promise<DocHit[]> {
  return db.all<DocHit>(sql`
    SELECT ${HIT_COLUMNS}, bm25(search_fts) AS rank
    FROM search_fts
    JOIN search_docs ON search_docs.id = search_fts.rowid
    JOIN sessions ON sessions.id = search_docs.session_id
    LEFT JOIN agents ON agents.id = sessions.agent_id
    WHERE search_fts MATCH ${match} AND ${where([...docConditions(s), ...sessionConditions(db, s)])}
    ORDER BY rank LIMIT ${limit}`);
}

/** The given documents that pass the scope (the final gate for semantic hits, whatever the vector index said). */
export async function docsInScope(db: Db, s: Scope, ids: readonly number[]): Promise<DocHit[]> {
  if (!ids.length) return [];
  return db.all<DocHit>(sql`
    SELECT ${HIT_COLUMNS}, 0 AS rank
    FROM search_docs
    JOIN sessions ON sessions.id = search_docs.session_id
    LEFT JOIN agents ON agents.id = sessions.agent_id
    WHERE search_docs.id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) AND ${where([...docConditions(s), ...sessionConditions(db, s)])}`);
}

/** Session ids that pass the session-level part of the scope (for pre-filtering vector queries). */
export async function sessionsInScope(db: Db, s: Scope): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`
    SELECT sessions.id AS id FROM sessions LEFT JOIN agents ON agents.id = sessions.agent_id
    WHERE ${where(sessionConditions(db, s))}`);
  return rows.map((r) => r.id);
}

/** The indexed text of documents, by id. */
export async function docTexts(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db.all<{ id: number; text: string }>(
    sql`SELECT rowid AS id, text FROM search_fts WHERE rowid IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
  );
  return new Map(rows.map((r) => [r.id, r.text]));
}

/** The first document of a session of the given kinds (its title and prompts: what it was about). */
export async function sessionAbout(db: Db, workspaceId: string, sessionId: string): Promise<string> {
  const rows = await db.all<{ text: string }>(sql`
    SELECT search_fts.text AS text FROM search_docs JOIN search_fts ON search_fts.rowid = search_docs.id
    WHERE search_docs.workspace_id = ${workspaceId} AND search_docs.session_id = ${sessionId} AND search_docs.kind IN ('title', 'prompt', 'result')
    ORDER BY search_docs.seq, search_docs.part LIMIT 5`);
  return rows.map((r) => r.text).join("\n");
}

/** Files each session changed (from the results of tool calls that ran; see documents.ts), at most `perSession`. */
export async function changedFiles(db: Db, workspaceId: string, sessionIds: readonly string[], perSession = 20): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(sessionIds.map((id) => [id, []]));
  if (!sessionIds.length) return out;
  const rows = await db.all<{ sessionId: string; path: string }>(sql`
    SELECT DISTINCT session_id AS sessionId, path FROM search_docs
    WHERE workspace_id = ${workspaceId} AND path IS NOT NULL AND session_id IN (SELECT value FROM json_each(${JSON.stringify(sessionIds)}))
    ORDER BY session_id, path`);
  for (const r of rows) {
    const list = out.get(r.sessionId);
    if (list && list.length < perSession) list.push(r.path);
  }
  return out;
}

/** Every session of a workspace with its last seq (for a backfill). */
export async function workspaceSessions(db: Db, workspaceId: string): Promise<{ id: string; lastSeq: number }[]> {
  return db.all<{ id: string; lastSeq: number }>(sql`SELECT id, last_seq AS lastSeq FROM sessions WHERE workspace_id = ${workspaceId} ORDER BY created_at`);
}

export async function indexStats(db: Db, workspaceId: string): Promise<{ documents: number; vectors: number; sessions: number; deadLetters: number }> {
  const [row] = await db.all<{ documents: number; vectors: number; sessions: number; deadLetters: number }>(sql`
    SELECT (SELECT COUNT(*) FROM search_docs WHERE workspace_id = ${workspaceId}) AS documents,
           (SELECT COUNT(*) FROM search_vectors WHERE workspace_id = ${workspaceId}) AS vectors,
           (SELECT COUNT(DISTINCT session_id) FROM search_docs WHERE workspace_id = ${workspaceId}) AS sessions,
           (SELECT COUNT(*) FROM search_dead_letters WHERE workspace_id = ${workspaceId}) AS deadLetters`);
  return row ?? { documents: 0, vectors: 0, sessions: 0, deadLetters: 0 };
}

export async function recordDeadLetter(db: Db, workspaceId: string, sessionId: string, job: string, attempts: number, at: number): Promise<void> {
  await db.run(
    sql`INSERT INTO search_dead_letters (workspace_id, session_id, job, attempts, at) VALUES (${workspaceId}, ${sessionId}, ${job}, ${attempts}, ${at})`,
  );
}
