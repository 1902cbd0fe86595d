/**
 * Search on the wire: the query a client sends, the result rows the web view and the CLI render,
 * "similar sessions" with their outcome, backfill, and the indexing job on the queue. Snippets
 * are HTML-escaped with matches wrapped in <mark>…</mark>; nothing else in them is markup.
 */
import { z } from "zod";
import { SessionEvent } from "./events";
import { SessionId } from "./ids";
import { SessionStatus } from "./session";

export const DocKind = z.enum(["title", "prompt", "assistant", "tool-call", "tool-result", "result"]);
export type DocKind = z.infer<typeof DocKind>;

export const SearchMode = z.enum(["hybrid", "text", "semantic"]);
export type SearchMode = z.infer<typeof SearchMode>;

const day = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** A date (YYYY-MM-DD, UTC) or epoch milliseconds; `endOfDay` makes a bare date include that whole day. */
const instant = (endOfDay: boolean) =>
  z
    .string()
    .trim()
    .refine((s) => (day.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))) || /^\d{1,15}$/.test(s), "use a date like 2026-11-25 or epoch milliseconds")
    .transform((s) => (day.test(s) ? Date.parse(`${s}T00:00:00Z`) + (endOfDay ? DAY_MS : 0) : Number(s)));

const commaList = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean),
);

/** Filters shared by every search path; the workspace is always the caller's own. */
export const SearchFilters = z.object({
  /** Agent id or machine name. */
  agent: z.string().min(1).max(200).optional(),
  /** The session's working directory, or a parent of it. */
  cwd: z.string().min(1).max(4096).optional(),
  status: commaList.pipe(z.array(SessionStatus).min(1)).optional(),
  /** Events at or after this instant. */
  from: instant(false).optional(),
  /** Events before this instant (a bare date includes that whole day). */
  to: instant(true).optional(),
  /** Only tool calls of this tool (e.g. Bash, Edit). */
  tool: z.string().min(1).max(200).optional(),
  /** The session's owner (`usr_…`). */
  author: z.string().min(1).max(200).optional(),
  kind: commaList.pipe(z.array(DocKind).min(1)).optional(),
});
export type SearchFilters = z.infer<typeof SearchFilters>;

export const SearchQuery = SearchFilters.extend({
  q: z.string().trim().min(1, "q must not be empty: type some words to search for").max(500),
  mode: SearchMode.default("hybrid"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

/** The event a result matched, to jump to (`seq` 0 is the session's title). */
export const SearchMatch = z.object({
  seq: z.number().int().min(0),
  kind: DocKind,
  toolName: z.string().nullable(),
  /** HTML-escaped text with <mark>…</mark> around the matching words. */
  snippet: z.string(),
  at: z.number().int(),
});
export type SearchMatch = z.infer<typeof SearchMatch>;

export const SearchResult = z.object({
  sessionId: SessionId,
  title: z.string(),
  status: SessionStatus,
  agentName: z.string().nullable(),
  cwd: z.string(),
  ownerId: z.string(),
  /** Fused score (reciprocal rank fusion) in hybrid mode; bm25 or cosine in single modes. Higher is better. */
  score: z.number(),
  /** Which searches found it. */
  foundBy: z.array(z.enum(["text", "semantic"])),
  match: SearchMatch,
  createdAt: z.number().int(),
  costUsd: z.number(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResponse = z.object({ mode: SearchMode, results: z.array(SearchResult) });
export type SearchResponse = z.infer<typeof SearchResponse>;

export const SimilarBody = z.object({
  prompt: z.string().trim().min(1, "prompt must not be empty").max(100_000),
  limit: z.number().int().min(1).max(20).default(5),
});
export type SimilarBody = z.infer<typeof SimilarBody>;

export const SimilarQuery = z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) });

/** A past session like this one, with how it went: enough to open, continue or fork it. */
export const SimilarSession = SearchResult.extend({
  result: z.string().nullable(),
  endedAt: z.number().int().nullable(),
  /** Files a tool call of the session changed and that ran (not denied, interrupted or unanswered), at most 20. */
  changedFiles: z.array(z.string()),
  /** Whether the caller may continue it now: it has stopped, and they may act on it (owner, collaborator, admin). */
  canContinue: z.boolean(),
});
export type SimilarSession = z.infer<typeof SimilarSession>;

export const SimilarResponse = z.object({ sessions: z.array(SimilarSession) });
export type SimilarResponse = z.infer<typeof SimilarResponse>;

export const BackfillResponse = z.object({ sessions: z.number().int(), jobs: z.number().int() });
export type BackfillResponse = z.infer<typeof BackfillResponse>;

export const IndexStats = z.object({ documents: z.number().int(), vectors: z.number().int(), sessions: z.number().int(), deadLetters: z.number().int() });
export type IndexStats = z.infer<typeof IndexStats>;

/** One unit of indexing work on the queue: a range of a session's events (`upTo` null = to the end). */
export const IndexJob = z.object({
  workspaceId: z.string().min(1),
  sessionId: SessionId,
  after: z.number().int().min(0),
  upTo: z.number().int().min(0).nullable(),
  /** False when the session's title has not changed since its last job, so its document stays as it is. */
  withTitle: z.boolean().optional(),
  /**
   * The range's events and the session's title, carried by a job its own room sent (as stored, so
   * scrubbed), so the consumer does not read them back from the room. Absent: the consumer reads them.
   */
  carried: z.object({ title: z.string(), createdAt: z.number().int(), events: z.array(SessionEvent) }).optional(),
});
export type IndexJob = z.infer<typeof IndexJob>;

/** A queue message's body must stay under the queue's 128 KB limit; jobs carry events up to this many bytes of JSON. */
export const INDEX_JOB_CARRY_BYTES = 96_000;
