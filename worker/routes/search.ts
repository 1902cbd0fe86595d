/**
 * /api/search: words and meaning over every past session the caller may see (hybrid by default),
 * "solved before" for a prompt being typed, and, for admins, re-indexing the workspace (backfill,
 * idempotent) and the index's counts. Handlers stay thin: worker/search does the work.
 */
import { createRoute } from "@hono/zod-openapi";
import { recordAudit } from "../auth/audit";
import { indexStats, workspaceSessions } from "../db/search";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import { BackfillResponse, IndexStats, SearchQuery, SearchResponse, SimilarBody, SimilarResponse, type IndexJob } from "../protocol/search";
import { search as runSearch, similarSessions } from "../search/engine";
import { scopeOf } from "../search/scope";

const tags = ["search"];
/** Messages per queue sendBatch call (the Queues limit). */
const SEND_BATCH = 100;

export const search = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: SearchQuery },
      responses: {
        200: jsonResponse(SearchResponse, "Sessions that match, best first, one per session, each with its best matching event."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { q, mode, limit, ...filters } = c.req.valid("query");
      if (filters.from !== undefined && filters.to !== undefined && filters.from >= filters.to) throw new ApiError("BAD_REQUEST", "from must be before to");
      const r = await runSearch(c.var.deps.search(), scopeOf(c, filters), q, mode, limit);
      if (!r.ok) throw new ApiError("BAD_REQUEST", r.message);
      return c.json({ mode, results: r.results }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/similar",
      tags,
      request: jsonBody(SimilarBody),
      responses: { 200: jsonResponse(SimilarResponse, "Past sessions most like this prompt, with how they went."), ...errorResponses },
    }),
    async (c) => {
      const { prompt, limit } = c.req.valid("json");
      return c.json({ sessions: await similarSessions(c.var.deps.search(), scopeOf(c, {}), c.var.auth, prompt, limit) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/backfill",
      tags,
      responses: {
        202: jsonResponse(BackfillResponse, "Every session of the workspace is queued for (re-)indexing; running it again changes nothing."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const workspaceId = c.var.auth.workspaceId;
      const sessions = await workspaceSessions(c.var.deps.db, workspaceId);
      const jobs = sessions.map((s): IndexJob => ({ workspaceId, sessionId: s.id as IndexJob["sessionId"], after: 0, upTo: null }));
      for (let i = 0; i < jobs.length; i += SEND_BATCH) await c.env.SEARCH_QUEUE.sendBatch(jobs.slice(i, i + SEND_BATCH).map((body) => ({ body })));
      await recordAudit(c, "search.backfill", workspaceId, { sessions: sessions.length });
      return c.json({ sessions: sessions.length, jobs: jobs.length }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/stats",
      tags,
      responses: { 200: jsonResponse(IndexStats, "What the workspace's index holds, and jobs that failed every retry."), ...errorResponses },
    }),
    async (c) => c.json(await indexStats(c.var.deps.db, c.var.auth.workspaceId), 200),
  );
