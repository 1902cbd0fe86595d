/**
 * /api/approvals: the pending inbox across sessions (or one session's history) and decisions.
 * A decision goes to the session's room, which applies "first decision wins" atomically and
 * refuses a decision that names another input's sha256, a second different edit, or a late one.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { listApprovals } from "../db/approvals";
import { limitDecisions } from "../auth/rate-limit";
import { approvalSessionFor } from "../auth/session-access";
import { approvalListViewerOf } from "../domain/visibility";
import { errorResponses, jsonBody, jsonResponse, orThrow, router } from "../http";
import { Approval, ApprovalListQuery, DecisionBody } from "../protocol/approval";
import { ApiError } from "../protocol/errors";
import { ApprovalId } from "../protocol/ids";
import { sessionRoom } from "../rooms";

const tags = ["approvals"];

export const approvals = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: ApprovalListQuery },
      responses: { 200: jsonResponse(z.object({ approvals: z.array(Approval) }), "Approvals, newest first."), ...errorResponses },
    }),
    async (c) => {
      const actor = c.var.auth;
      return c.json({ approvals: await listApprovals(c.var.deps.db, actor.workspaceId, c.req.valid("query"), approvalListViewerOf(actor)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      request: { params: z.object({ id: ApprovalId }) },
      responses: { 200: jsonResponse(Approval, "One approval as its room holds it now, with the `inputSha256` a decision must name."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const sessionId = await approvalSessionFor(c, id, "session.read");
      const approval = await (await sessionRoom(c.env, sessionId)).approval(id);
      if (!approval) throw new ApiError("NOT_FOUND", `No approval ${id} in this workspace.`);
      return c.json(approval, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/decision",
      tags,
      request: { params: z.object({ id: ApprovalId }), ...jsonBody(DecisionBody) },
      responses: {
        200: jsonResponse(Approval, "The decided approval (the same answer again is idempotent; another input, edit or a late decision is 409)."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const sessionId = await approvalSessionFor(c, id, "session.act");
      await limitDecisions(c.env, c.var.auth.tokenId);
      const room = await sessionRoom(c.env, sessionId);
      return c.json(orThrow(await room.decide(id, c.req.valid("json"), c.var.auth.subject, c.var.auth.userId)), 200);
    },
  );
