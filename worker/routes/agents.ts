/**
 * /api/agents: the workspace's machines with presence and running sessions, the owner's policy for
 * each (who may launch, MCP commands, denied tool calls), and the control WebSocket an agent dials
 * out on (no inbound port on the machine).
 */
import { recordAudit } from "../auth/audit";
import { createRoute, z } from "@hono/zod-openapi";
import { findAgent, getAgentPresence, listAgents, liveSessionsOn, setMachinePolicy } from "../db/agents";
import { enforceableDenyRules } from "../domain/launch-policy";
import { can } from "../domain/policy";
import { PatchAgentBody } from "../protocol/enrollment";
import { AgentId, type SessionId } from "../protocol/ids";
import { errorResponses, jsonBody, jsonResponse, router, upgradeFor } from "../http";
import { AgentPresence } from "../protocol/frames";
import { ApiError } from "../protocol/errors";
import { agentLink, forwardUpgrade, sessionRoom } from "../rooms";

export const agents = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["agents"],
      responses: { 200: jsonResponse(z.object({ agents: z.array(AgentPresence) }), "Machines of this workspace."), ...errorResponses },
    }),
    async (c) => c.json({ agents: await listAgents(c.var.deps.db, c.var.auth.workspaceId) }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["agents"],
      request: { params: z.object({ id: AgentId }), ...jsonBody(PatchAgentBody) },
      responses: { 200: jsonResponse(AgentPresence, "The machine with its new launch policy."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const policy = c.req.valid("json");
      const actor = c.var.auth;
      const { db } = c.var.deps;
      const agent = await findAgent(db, actor.workspaceId, id);
      if (!agent) throw new ApiError("NOT_FOUND", `No machine ${id} in this workspace.`);
      if (agent.ownerId !== actor.userId && !can(actor, "member.manage").ok)
        throw new ApiError("FORBIDDEN", "Only the machine's owner or an admin can change who may launch on it and what it runs.");
      await setMachinePolicy(db, id, policy);
      await recordAudit(c, "machine.policy", id, policy);
      // A new policy applies to the next call (and the next decision) of every session that may still ask on this machine.
      if (policy.denyRules !== undefined || policy.requireSignedDecisions !== undefined) {
        const next = {
          denyRules: policy.denyRules !== undefined ? (policy.denyRules ?? null) : enforceableDenyRules(agent.denyRules),
          requireSignedDecisions: policy.requireSignedDecisions ?? agent.requireSignedDecisions ?? false,
        };
        await Promise.all((await liveSessionsOn(db, id)).map(async (s) => (await sessionRoom(c.env, s as SessionId)).setMachinePolicy(next)));
      }
      return c.json((await getAgentPresence(db, id))!, 200);
    },
  )
  .get("/connect", async (c) => {
    upgradeFor(c, z.undefined());
    const agentId = c.var.auth.agentId!; // the route table admits only agent tokens here
    const agent = await getAgentPresence(c.var.deps.db, agentId);
    if (!agent) throw new ApiError("NOT_FOUND", "The machine this token was issued for no longer exists; enroll it again.");
    return forwardUpgrade(await agentLink(c.env, agentId), c.req.raw, {
      role: "agent",
      subject: c.var.auth.subject,
      workspace: c.var.auth.workspaceId,
      "agent-name": agent.name,
      token: c.var.auth.tokenId,
    });
  });
