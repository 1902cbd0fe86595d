/** /api/workspace/live: the workspace WebSocket (session list deltas, approvals inbox, presence). */
import { z } from "@hono/zod-openapi";
import { router, upgradeFor } from "../http";
import { encodeSocketActor } from "../protocol/socket-actor";
import { forwardUpgrade, workspaceHub } from "../rooms";

export const workspace = router().get("/live", async (c) => {
  upgradeFor(c, z.undefined());
  return forwardUpgrade(await workspaceHub(c.env, c.var.auth.workspaceId), c.req.raw, { role: "viewer", actor: encodeSocketActor(c.var.auth) });
});
