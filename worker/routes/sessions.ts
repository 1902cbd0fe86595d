/**
 * /api/sessions: create (launch), list, get, events, patch, interrupt, continue, sharing and
 * handoff, and the live WebSocket for viewers and for the session's agent. Handlers stay thin:
 * `sessionFor` authorizes, the SessionRoom decides, the audit log records.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../auth/audit";
import { chooseAgent, launchRun } from "../launch";
import { deleteGrant, listGrants, putGrant } from "../db/grants";
import { findMember } from "../db/members";
import { decodeCursor, getSession, listSessions } from "../db/sessions";
import { approvalSessionFor, changeAccess, sessionFor } from "../auth/session-access";
import { can } from "../domain/policy";
import { listViewerOf } from "../domain/visibility";
import { errorResponses, jsonBody, jsonResponse, orThrow, router, upgradeFor } from "../http";
import { EventPage, EventsQuery } from "../protocol/events";
import { ApiError } from "../protocol/errors";
import { ApprovalId, newId, SessionId } from "../protocol/ids";
import { claimKey } from "../db/idempotency";
import { canonicalJson, sha256Hex } from "../domain/canonical-json";
import { Approval, DecisionBody } from "../protocol/approval";
import { limitDecisions } from "../auth/rate-limit";
import {
  ContinueSessionBody,
  CreateSessionBody,
  HandoffBody,
  IdempotencyKey,
  PatchSessionBody,
  SessionListQuery,
  SessionPage,
  SessionSummary,
  ShareBody,
  Share,
} from "../protocol/session";
import { forwardUpgrade, sessionRoom } from "../rooms";
import { encodeSocketActor } from "../protocol/socket-actor";
import { SimilarQuery, SimilarResponse } from "../protocol/search";
import { sessionAbout } from "../db/search";
import { similarSessions } from "../search/engine";
import { scopeOf } from "../search/scope";

const IdParam = z.object({ id: SessionId });
const tags = ["sessions"];

export const sessions = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: { ...jsonBody(CreateSessionBody), headers: z.object({ "idempotency-key": IdempotencyKey.optional() }) },
      responses: {
        201: jsonResponse(SessionSummary, "The session, queued for its agent (or, for a repeated Idempotency-Key, the one it already made)."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { title, agent: agentRef, ...spec } = body;
      const actor = c.var.auth;
      const who = { workspaceId: actor.workspaceId, userId: actor.userId ?? "", subject: actor.subject };
      const key = c.req.valid("header")["idempotency-key"];
      const claim = key ? await claimKey(c.var.deps.db, who, key, await sha256Hex(canonicalJson(body)), newId("ses"), Date.now()) : null;
      if (claim?.kind === "mismatch")
        throw new ApiError(
          "CONFLICT",
          `Idempotency-Key "${key}" was used at ${new Date(claim.createdAt).toISOString()} for a different request; send a new key for a new session, or the same request to get that session back.`,
        );
      const id = claim ? (claim.sessionId as SessionId) : undefined;
      const agent = await chooseAgent(c.var.deps.db, who, { agent: agentRef });
      const made = await launchRun(c.env, c.var.deps.db, who, { kind: "launch", agent, spec, title, ...(id ? { id } : {}) });
      // CONFLICT under a key: an earlier attempt created this session (its reply was lost); it is the answer.
      const existing = id && !made.ok && made.code === "CONFLICT" ? await (await sessionRoom(c.env, id)).summary() : null;
      if (existing) return c.json(existing, 201);
      const summary = orThrow(made);
      await recordAudit(c, "session.launch", summary.id, { agent: agent.name, cwd: spec.cwd });
      return c.json(summary, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: SessionListQuery },
      responses: { 200: jsonResponse(SessionPage, "One page of the sessions you may see, newest first."), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const cursor = q.cursor ? decodeCursor(q.cursor) : null;
      if (q.cursor && !cursor) throw new ApiError("BAD_REQUEST", "cursor is not one this API returned; drop it to start from the newest");
      const actor = c.var.auth;
      return c.json(await listSessions(c.var.deps.db, actor.workspaceId, q, cursor, listViewerOf(actor)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      request: { params: IdParam },
      responses: { 200: jsonResponse(SessionSummary, "The session."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { session } = await sessionFor(c, id, "session.read");
      // The room is the source of truth; the D1 row (used for access) may trail it briefly.
      return c.json((await (await sessionRoom(c.env, id)).summary()) ?? session, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/events",
      tags,
      request: { params: IdParam, query: EventsQuery },
      responses: { 200: jsonResponse(EventPage, "Events after `after`, in order."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      await sessionFor(c, id, "session.read");
      const page = await (await sessionRoom(c.env, id)).events(after, limit + 1);
      return c.json({ events: page.events.slice(0, limit), lastSeq: page.lastSeq, hasMore: page.events.length > limit }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/similar",
      tags,
      request: { params: IdParam, query: SimilarQuery },
      responses: { 200: jsonResponse(SimilarResponse, "Past sessions most like this one (itself excluded), with how they went."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit } = c.req.valid("query");
      const { session } = await sessionFor(c, id, "session.read");
      const about = (await sessionAbout(c.var.deps.db, session.workspaceId, id)) || `${session.title}\n${session.prompt}`;
      return c.json({ sessions: await similarSessions(c.var.deps.search(), scopeOf(c, {}), c.var.auth, about, limit, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      request: { params: IdParam, ...jsonBody(PatchSessionBody) },
      responses: { 200: jsonResponse(SessionSummary, "The updated session."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { title, archived } = c.req.valid("json");
      await sessionFor(c, id, "session.manage");
      const summary = orThrow(await (await sessionRoom(c.env, id)).patch(title, archived));
      if (archived !== undefined) await recordAudit(c, archived ? "session.archive" : "session.unarchive", id);
      return c.json(summary, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/interrupt",
      tags,
      request: { params: IdParam },
      responses: { 200: jsonResponse(SessionSummary, "Interrupting (or interrupted, if it had not started)."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await sessionFor(c, id, "session.act");
      // The room records the interrupt in the audit log, whichever way it arrives (HTTP or socket).
      return c.json(orThrow(await (await sessionRoom(c.env, id)).interrupt(c.var.auth.subject)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/continue",
      tags,
      request: { params: IdParam, ...jsonBody(ContinueSessionBody) },
      responses: { 200: jsonResponse(SessionSummary, "The continued session, or the new fork."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const actor = c.var.auth;
      const { session: parent } = await sessionFor(c, id, body.fork ? "session.read" : "session.act");
      const who = { workspaceId: actor.workspaceId, userId: actor.userId ?? "", subject: actor.subject };
      if (!body.fork) {
        const summary = orThrow(await launchRun(c.env, c.var.deps.db, who, { kind: "continue", session: parent, prompt: body.prompt }));
        await recordAudit(c, "session.continue", id);
        return c.json(summary, 200);
      }
      if (!can(actor, "session.create").ok) throw new ApiError("FORBIDDEN", "Not allowed: forking launches a new session, which your role cannot do.");
      const summary = orThrow(await launchRun(c.env, c.var.deps.db, who, { kind: "fork", parent, prompt: body.prompt, title: body.title }));
      const forkId = summary.id;
      await recordAudit(c, "session.fork", forkId, { from: id });
      return c.json(summary, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/shares",
      tags,
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ ownerId: z.string(), shares: z.array(Share) }), "Who the session is shared with."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { session } = await sessionFor(c, id, "session.read");
      return c.json({ ownerId: session.ownerId, shares: await listGrants(c.var.deps.db, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/shares",
      tags,
      request: { params: IdParam, ...jsonBody(ShareBody) },
      responses: { 200: jsonResponse(Share, "The grant, created or changed."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { principal, role } = c.req.valid("json");
      await sessionFor(c, id, "session.manage");
      const { db } = c.var.deps;
      if (principal !== "workspace" && !(await findMember(db, c.var.auth.workspaceId, principal.slice("user:".length)))) {
        throw new ApiError("NOT_FOUND", `${principal} is not a member of this workspace.`);
      }
      const grant = { principal, role, grantedBy: c.var.auth.subject, createdAt: Date.now() };
      await changeAccess(c, id, () => putGrant(db, c.var.auth.workspaceId, id, grant));
      await recordAudit(c, "session.share", id, { principal, role });
      return c.json(grant, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/shares/{principal}",
      tags,
      request: { params: IdParam.extend({ principal: ShareBody.shape.principal }) },
      responses: { 200: jsonResponse(z.object({ removed: z.literal(true) }), "The grant is gone."), ...errorResponses },
    }),
    async (c) => {
      const { id, principal } = c.req.valid("param");
      await sessionFor(c, id, "session.manage");
      if (!(await changeAccess(c, id, () => deleteGrant(c.var.deps.db, id, principal))))
        throw new ApiError("NOT_FOUND", `The session is not shared with ${principal}.`);
      await recordAudit(c, "session.unshare", id, { principal });
      return c.json({ removed: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/handoff",
      tags,
      request: { params: IdParam, ...jsonBody(HandoffBody) },
      responses: { 200: jsonResponse(SessionSummary, "The session, now owned by the new member."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { userId } = c.req.valid("json");
      const { session } = await sessionFor(c, id, "session.manage");
      const member = await findMember(c.var.deps.db, c.var.auth.workspaceId, userId);
      if (!member) throw new ApiError("NOT_FOUND", `${userId} is not a member of this workspace.`);
      if (member.role === "viewer") throw new ApiError("CONFLICT", `${member.name} is a workspace viewer and cannot own sessions; change their role first.`);
      const summary = await changeAccess(c, id, async () => {
        const handed = orThrow(await (await sessionRoom(c.env, id)).handoff(userId, c.var.auth.subject));
        // The previous owner keeps a collaborator's access, so a handoff never locks them out mid-run.
        if (session.ownerId && session.ownerId !== userId) {
          await putGrant(c.var.deps.db, c.var.auth.workspaceId, id, {
            principal: `user:${session.ownerId}`,
            role: "collaborator",
            grantedBy: c.var.auth.subject,
            createdAt: Date.now(),
          });
        }
        return handed;
      });
      await recordAudit(c, "session.handoff", id, { from: session.ownerId, to: userId });
      return c.json(summary, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/approvals/{approvalId}/decision",
      tags,
      request: { params: IdParam.extend({ approvalId: ApprovalId }), ...jsonBody(DecisionBody) },
      responses: {
        200: jsonResponse(Approval, "The decided approval (the same answer again is idempotent; another input, edit or a late decision is 409)."),
        ...errorResponses,
      },
    }),
    // The session-scoped twin of /api/approvals/:id/decision: it needs no lookup in D1, so a client that
    // learnt of the approval on the session's socket can decide at once, before the inbox has caught up.
    async (c) => {
      const { id, approvalId } = c.req.valid("param");
      await approvalSessionFor(c, approvalId, "session.act", id);
      await limitDecisions(c.env, c.var.auth.tokenId);
      return c.json(orThrow(await (await sessionRoom(c.env, id)).decide(approvalId, c.req.valid("json"), c.var.auth.subject, c.var.auth.userId)), 200);
    },
  )
  .get("/:id/live", async (c) => {
    const id = upgradeFor(c, SessionId);
    await sessionFor(c, id, "session.read");
    // The room re-applies the rule to this caller on every act, with the shares and role as they are then.
    return forwardUpgrade(await sessionRoom(c.env, id), c.req.raw, { role: "viewer", actor: encodeSocketActor(c.var.auth) });
  })
  .get("/:id/agent", async (c) => {
    const id = upgradeFor(c, SessionId);
    const s = await getSession(c.var.deps.db, c.var.auth.workspaceId, id);
    if (!s) throw new ApiError("NOT_FOUND", `No session ${id} in this workspace.`);
    if (s.agentId !== c.var.auth.agentId) throw new ApiError("FORBIDDEN", "This session runs on another machine.");
    return forwardUpgrade(await sessionRoom(c.env, id), c.req.raw, { role: "agent", subject: c.var.auth.subject, token: c.var.auth.tokenId });
  });
