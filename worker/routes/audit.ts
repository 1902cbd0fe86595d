/**
 * /api/audit: the workspace's audit log for owners and admins: filter it, export it as JSON lines,
 * and verify its hash chain (which names the first entry that was edited or removed).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { allAudit, listAudit } from "../db/audit";
import { ChainVerifier } from "../domain/audit-chain";
import { errorResponses, jsonResponse, router } from "../http";
import { AuditEntry, AuditQuery, AuditVerification } from "../protocol/members";

const tags = ["audit"];

export const audit = router()
  .openapi(
    createRoute({ method: "get", path: "/", tags, request: { query: AuditQuery }, responses: { 200: jsonResponse(z.object({ entries: z.array(AuditEntry) }), "Entries in order, after `after`."), ...errorResponses } }),
    async (c) => c.json({ entries: await listAudit(c.var.deps.db, c.var.auth.workspaceId, c.req.valid("query")) }, 200),
  )
  .openapi(
    createRoute({ method: "get", path: "/verify", tags, responses: { 200: jsonResponse(AuditVerification, "Whether the chain is intact, and where it breaks."), ...errorResponses } }),
    async (c) => {
      const v = new ChainVerifier();
      for await (const page of allAudit(c.var.deps.db, c.var.auth.workspaceId)) {
        await v.feed(page);
        if (!v.result().ok) break;
      }
      return c.json(v.result(), 200);
    },
  )
  // JSON lines are not a JSON response, so this route is plain Hono (it is still in the route table).
  .get("/export", async (c) => {
      const { db } = c.var.deps;
      const workspaceId = c.var.auth.workspaceId;
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for await (const page of allAudit(db, workspaceId)) controller.enqueue(encoder.encode(page.map((e) => `${JSON.stringify(e)}\n`).join("")));
          controller.close();
        },
      });
      return c.body(body, 200, { "content-type": "application/x-ndjson", "content-disposition": `attachment; filename="tower-audit-${workspaceId}.jsonl"` });
  });
