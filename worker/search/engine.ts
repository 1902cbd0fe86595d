/**
 * Search itself: full-text (FTS5, bm25; all words first, then any word), semantic (embed the
 * query, nearest documents), and hybrid (reciprocal rank fusion of the two), each de-duplicated
 * to one result per session with the matching event and a highlighted snippet. Also "similar
 * sessions" for a prompt or a session, with their outcome and the files they changed.
 */
import type { Db } from "../db/client";
import { sessionAccess } from "../db/grants";
import type { Actor } from "../domain/policy";
import { mayActOnSession } from "../domain/visibility";
import { isEnded } from "../protocol/session";
import { changedFiles, docsInScope, docTexts, sessionsInScope, textSearch, type DocHit, type Scope } from "../db/search";
import type { DocKind, SearchMode, SearchResult, SimilarSession } from "../protocol/search";
import type { Embedder } from "./embedder";
import { highlightTerms, isEmptyQuery, parseQuery, toMatch, type ParsedQuery } from "./fts-query";
import { snippet } from "./highlight";
import { bestPerGroup, fuseHybrid } from "./rrf";
import type { VectorIndex } from "./vector-index";

export interface SearchDeps {
  db: Db;
  embedder: Embedder;
  vectors: VectorIndex;
}

/** Documents each search path considers before de-duplicating per session. */
const CANDIDATES = 200;

type Source = "text" | "semantic";
interface Ranked {
  hit: DocHit;
  score: number;
  /** Found only by the any-word fallback of full-text search. */
  fallback?: boolean;
}

/** Text hits: documents with every word first, then (when that is not enough) with any word. */
async function textRanked(deps: SearchDeps, scope: Scope, q: ParsedQuery, limit: number): Promise<Ranked[]> {
  const all = toMatch(q, "and");
  if (!all) return [];
  const hits = await textSearch(deps.db, scope, all, CANDIDATES);
  let ranked = bestPerGroup(hits, (h) => h.sessionId).map((hit) => ({ hit, score: -hit.rank }));
  const any = toMatch(q, "or");
  if (ranked.length < limit && any && any !== all) {
    const seen = new Set(ranked.map((r) => r.hit.sessionId));
    // Any-word hits rank after every all-words hit, whatever their bm25.
    const floor = Math.min(0, ...ranked.map((r) => r.score)) - 1;
    const more = bestPerGroup(await textSearch(deps.db, scope, any, CANDIDATES), (h) => h.sessionId).filter((h) => !seen.has(h.sessionId));
    ranked = [...ranked, ...more.map((hit, i) => ({ hit, score: floor - i, fallback: true }))];
  }
  return ranked;
}

const SESSION_FILTERS = ["agent", "cwd", "status", "author"] as const;

async function semanticRanked(deps: SearchDeps, scope: Scope, text: string, kinds?: readonly DocKind[]): Promise<Ranked[]> {
  const [vector] = await deps.embedder.embed([text]);
  if (!vector) return [];
  const f = scope.filters;
  const narrowed = scope.viewer !== null || SESSION_FILTERS.some((k) => f[k] !== undefined);
  const sessionIds = narrowed ? await sessionsInScope(deps.db, scope) : undefined;
  if (sessionIds && sessionIds.length === 0) return [];
  const hits = await deps.vectors.query(
    vector,
    {
      workspaceId: scope.workspaceId,
      ...(sessionIds ? { sessionIds } : {}),
      ...((kinds ?? f.kind) ? { kinds: kinds ?? f.kind } : {}),
      ...(f.tool !== undefined ? { toolName: f.tool } : {}),
      ...(f.from !== undefined ? { from: f.from } : {}),
      ...(f.to !== undefined ? { to: f.to } : {}),
    },
    CANDIDATES,
  );
  const best = bestPerGroup(hits, (h) => h.sessionId);
  // The vector index only proposes: D1 re-checks workspace, visibility and every filter.
  const rows = new Map(
    (
      await docsInScope(
        deps.db,
        scope,
        best.map((h) => h.docId),
      )
    ).map((r) => [r.id, r]),
  );
  return best.flatMap((h) => {
    const hit = rows.get(h.docId);
    return hit ? [{ hit, score: h.score }] : [];
  });
}

interface Fused {
  hit: DocHit;
  score: number;
  foundBy: Source[];
}

function combine(mode: SearchMode, text: Ranked[], semantic: Ranked[]): Fused[] {
  if (mode === "text") return text.map((r) => ({ ...r, foundBy: ["text"] }));
  if (mode === "semantic") return semantic.map((r) => ({ ...r, foundBy: ["semantic"] }));
  const byText = new Map(text.map((r) => [r.hit.sessionId, r.hit]));
  const bySem = new Map(semantic.map((r) => [r.hit.sessionId, r.hit]));
  const ids = (rs: Ranked[]) => rs.map((r) => r.hit.sessionId);
  const fused = fuseHybrid(ids(text.filter((r) => !r.fallback)), ids(text.filter((r) => r.fallback)), ids(semantic));
  return fused.map(({ key, score }) => ({
    // The text match carries the words the person typed, so it makes the better snippet.
    hit: (byText.get(key) ?? bySem.get(key))!,
    score,
    foundBy: [...(byText.has(key) ? (["text"] as const) : []), ...(bySem.has(key) ? (["semantic"] as const) : [])],
  }));
}

async function toResults(deps: SearchDeps, q: ParsedQuery, fused: Fused[]): Promise<SearchResult[]> {
  const texts = await docTexts(
    deps.db,
    fused.map((f) => f.hit.id),
  );
  const terms = highlightTerms(q);
  return fused.map(({ hit, score, foundBy }) => ({
    sessionId: hit.sessionId as SearchResult["sessionId"],
    title: hit.title,
    status: hit.status,
    agentName: hit.agentName,
    cwd: hit.cwd,
    ownerId: hit.ownerId,
    score: Math.round(score * 1e6) / 1e6,
    foundBy,
    match: { seq: hit.seq, kind: hit.kind, toolName: hit.toolName, snippet: snippet(texts.get(hit.id) ?? "", terms), at: hit.at },
    createdAt: hit.createdAt,
    costUsd: hit.costUsd,
  }));
}

export type SearchOutcome = { ok: true; results: SearchResult[] } | { ok: false; message: string };

/** Searches one workspace as `scope` allows. */
export async function search(deps: SearchDeps, scope: Scope, query: string, mode: SearchMode, limit: number): Promise<SearchOutcome> {
  const q = parseQuery(query);
  if (isEmptyQuery(q)) return { ok: false, message: "q has no words to search for (only punctuation or spaces)" };
  const [text, semantic] = await Promise.all([
    mode === "semantic" ? [] : textRanked(deps, scope, q, limit),
    mode === "text" ? [] : semanticRanked(deps, scope, query),
  ]);
  return { ok: true, results: await toResults(deps, q, combine(mode, text, semantic).slice(0, limit)) };
}

/**
 * Past sessions most like `text` (hybrid over every document of each session: what was asked, said,
 * run and answered), with their outcome and whether `actor` may continue them. A new task often
 * names what a past session only met in its tool calls or its assistant's reasoning (the file, the
 * error), so titles, prompts and results alone miss it.
 */
export async function similarSessions(deps: SearchDeps, scope: Scope, actor: Actor, text: string, limit: number, exclude?: string): Promise<SimilarSession[]> {
  const q = parseQuery(text.slice(0, 2000));
  const any = toMatch({ ...q, words: q.words.slice(0, 30) }, "or");
  const [textHits, semantic] = await Promise.all([
    any ? textSearch(deps.db, scope, any, CANDIDATES) : Promise.resolve([]),
    semanticRanked(deps, scope, text.slice(0, 2000)),
  ]);
  const keep = (r: Ranked) => r.hit.sessionId !== exclude;
  // A new task rarely shares all its words with a past one, so its words are matched any-word and
  // vote as hybrid search's fallback does: meaning ranks, shared words break near-ties.
  const textRankedList = bestPerGroup(textHits, (h) => h.sessionId)
    .map((hit) => ({ hit, score: -hit.rank, fallback: true }))
    .filter(keep);
  const fused = combine("hybrid", textRankedList, semantic.filter(keep)).slice(0, limit);
  const ids = fused.map((f) => f.hit.sessionId);
  const [results, files, access] = await Promise.all([
    toResults(deps, q, fused),
    changedFiles(deps.db, scope.workspaceId, ids),
    sessionAccess(deps.db, scope.workspaceId, ids),
  ]);
  return results.map((r, i) => ({
    ...r,
    result: fused[i]!.hit.result?.slice(0, 500) ?? null,
    endedAt: fused[i]!.hit.endedAt,
    changedFiles: files.get(r.sessionId) ?? [],
    // The same two rules the continue route applies: the session has stopped, and the caller may act on it.
    canContinue: isEnded(r.status) && mayActOnSession(actor, access.get(r.sessionId) ?? null).ok,
  }));
}
