/**
 * /api/sessions: create (launch), list, get, events, patch, interrupt, continue, and the live
 * WebSocket for viewers and for the session's agent. Handlers stay thin: the SessionRoom decides.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { findAgent, defaultAgent } from "../db/agents";
import { decodeCursor, getSession, listSessions } from "../db/sessions";
import { errorResponses, jsonBody, jsonResponse, orThrow, router, upgradeFor } from "../http";
import { EventPage, EventsQuery } from "../protocol/events";
import { ApiError } from "../protocol/errors";
import { SessionId, newId, type AgentId, type WorkspaceId } from "../protocol/ids";
import { ContinueSessionBody, CreateSessionBody, PatchSessionBody, SessionListQuery, SessionPage, SessionSummary } from "../protocol/session";
import { forwardUpgrade, sessionRoom } from "../rooms";
import { requireAgentToken } from "../auth/middleware";
import type { Context } from "hono";
import type { AppEnv } from "../env";

const IdParam = z.object({ id: SessionId });
const tags = ["sessions"];

async function ownSession(c: Context<AppEnv>, id: string): Promise<SessionSummary> {
  const s = await getSession(c.var.deps.db, c.var.auth.workspaceId, id);
  if (!s) throw new ApiError("NOT_FOUND", `No session ${id} in this workspace.`);
  return s;
}

const runId = () => newId("ses").slice(4);

export const sessions = router()
  .openapi(
    createRoute({ method: "post", path: "/", tags, request: jsonBody(CreateSessionBody), responses: { 201: jsonResponse(SessionSummary, "The session, queued for its agent."), ...errorResponses } }),
    async (c) => {
      const { title, agent: agentRef, ...spec } = c.req.valid("json");
      const { db } = c.var.deps;
      const ws = c.var.auth.workspaceId;
      const agent = agentRef ? await findAgent(db, ws, agentRef) : await defaultAgent(db, ws);
      if (!agent) throw new ApiError("NOT_FOUND", agentRef ? `No agent "${agentRef}" in this workspace; \`tower agents\` lists them.` : "This workspace has no agent yet; start one with `tower agent`.");
      const id = newId("ses");
      const room = await sessionRoom(c.env, id);
      const summary = orThrow(
        await room.create({
          id, workspaceId: ws as WorkspaceId, agentId: agent.id as AgentId, agentName: agent.name, parentSessionId: null,
          title: title ?? spec.prompt.split("\n")[0]!.slice(0, 80), spec, runId: runId(), by: c.var.auth.subject,
        }),
      );
      return c.json(summary, 201);
    },
  )
  .openapi(
    createRoute({ method: "get", path: "/", tags, request: { query: SessionListQuery }, responses: { 200: jsonResponse(SessionPage, "One page of sessions, newest first."), ...errorResponses } }),
    async (c) => {
      const q = c.req.valid("query");
      const cursor = q.cursor ? decodeCursor(q.cursor) : null;
      if (q.cursor && !cursor) throw new ApiError("BAD_REQUEST", "cursor is not one this API returned; drop it to start from the newest");
      return c.json(await listSessions(c.var.deps.db, c.var.auth.workspaceId, q, cursor), 200);
    },
  )
  .openapi(
    createRoute({ method: "get", path: "/{id}", tags, request: { params: IdParam }, responses: { 200: jsonResponse(SessionSummary, "The session."), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await ownSession(c, id);
      // The room is the source of truth; the D1 row (used for the ownership check) may trail it.
      const live = await (await sessionRoom(c.env, id)).summary();
      return c.json(live ?? row, 200);
    },
  )
  .openapi(
    createRoute({ method: "get", path: "/{id}/events", tags, request: { params: IdParam, query: EventsQuery }, responses: { 200: jsonResponse(EventPage, "Events after `after`, in order."), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      await ownSession(c, id);
      const page = await (await sessionRoom(c.env, id)).events(after, limit + 1);
      const events = page.events.slice(0, limit);
      return c.json({ events, lastSeq: page.lastSeq, hasMore: page.events.length > limit }, 200);
    },
  )
  .openapi(
    createRoute({ method: "patch", path: "/{id}", tags, request: { params: IdParam, ...jsonBody(PatchSessionBody) }, responses: { 200: jsonResponse(SessionSummary, "The updated session."), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { title, archived } = c.req.valid("json");
      await ownSession(c, id);
      return c.json(orThrow(await (await sessionRoom(c.env, id)).patch(title, archived)), 200);
    },
  )
  .openapi(
    createRoute({ method: "post", path: "/{id}/interrupt", tags, request: { params: IdParam }, responses: { 200: jsonResponse(SessionSummary, "Interrupting (or interrupted, if it had not started)."), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      await ownSession(c, id);
      return c.json(orThrow(await (await sessionRoom(c.env, id)).interrupt(c.var.auth.subject)), 200);
    },
  )
  .openapi(
    createRoute({ method: "post", path: "/{id}/continue", tags, request: { params: IdParam, ...jsonBody(ContinueSessionBody) }, responses: { 200: jsonResponse(SessionSummary, "The continued session, or the new fork."), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const parent = await ownSession(c, id);
      if (!body.fork) return c.json(orThrow(await (await sessionRoom(c.env, id)).continueWith(body.prompt, c.var.auth.subject)), 200);
      const basis = await (await sessionRoom(c.env, id)).forkBasis();
      if (!basis.claudeSessionId) throw new ApiError("CONFLICT", "This session has no Claude conversation to fork yet; wait until it has started.");
      const forkId = newId("ses");
      const room = await sessionRoom(c.env, forkId);
      const spec = { prompt: body.prompt, cwd: parent.cwd, ...(parent.model ? { model: parent.model } : {}) };
      const summary = orThrow(
        await room.create({
          id: forkId, workspaceId: parent.workspaceId, agentId: parent.agentId, agentName: parent.agentName ?? "", parentSessionId: parent.id,
          title: body.title ?? `${parent.title} (fork)`, spec, runId: runId(), resume: basis.claudeSessionId, costBaselineUsd: basis.claudeCostUsd, by: c.var.auth.subject,
        }),
      );
      return c.json(summary, 200);
    },
  )
  .get("/:id/live", async (c) => {
    const id = upgradeFor(c, SessionId);
    await ownSession(c, id);
    return forwardUpgrade(await sessionRoom(c.env, id), c.req.raw, { role: "viewer", subject: c.var.auth.subject });
  })
  .get("/:id/agent", async (c) => {
    const id = upgradeFor(c, SessionId);
    const agentId = requireAgentToken(c.var.auth);
    const s = await ownSession(c, id);
    if (s.agentId !== agentId) throw new ApiError("FORBIDDEN", "This session runs on another machine.");
    return forwardUpgrade(await sessionRoom(c.env, id), c.req.raw, { role: "agent", subject: c.var.auth.subject });
  });
