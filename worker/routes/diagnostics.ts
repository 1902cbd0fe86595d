/**
 * /api/echo: a bare WebSocket echo in the Worker itself (no Durable Object). It is the floor the
 * benchmark measures the live paths against, and a quick way to check WebSockets reach Tower.
 */
import { z } from "@hono/zod-openapi";
import { router, upgradeFor } from "../http";

export const diagnostics = router().get("/echo", (c) => {
  upgradeFor(c, z.undefined());
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.addEventListener("message", (e) => server.send(e.data));
  // 1005/1006 are reserved and cannot be sent back: answer those with a bare close.
  server.addEventListener("close", (e) => (e.code === 1005 || e.code === 1006 ? server.close() : server.close(e.code, e.reason)));
  return new Response(null, { status: 101, webSocket: client });
});
