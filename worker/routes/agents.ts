/**
 * /api/agents: the workspace's machines with presence and running sessions, and the control
 * WebSocket an agent dials out on (no inbound port on the machine).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { getAgentPresence, listAgents } from "../db/agents";
import { errorResponses, jsonResponse, router, upgradeFor } from "../http";
import { AgentPresence } from "../protocol/frames";
import { ApiError } from "../protocol/errors";
import { agentLink, forwardUpgrade } from "../rooms";

export const agents = router()
  .openapi(
    createRoute({ method: "get", path: "/", tags: ["agents"], responses: { 200: jsonResponse(z.object({ agents: z.array(AgentPresence) }), "Machines of this workspace."), ...errorResponses } }),
    async (c) => c.json({ agents: await listAgents(c.var.deps.db, c.var.auth.workspaceId) }, 200),
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
