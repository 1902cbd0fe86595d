/**
 * /api/audit: the workspace's audit log for owners and admins: filter it, export it as JSON lines,
 * and verify its hash chain and signed checkpoints (which name the first entry that was edited or
 * removed). Reads seal first, so they include every entry whose action has committed.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { allAudit, listAudit } from "../db/audit";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { workspaceHub } from "../rooms";
import { errorResponses, jsonResponse, router } from "../http";
import { AuditEntry, AuditQuery, AuditVerification } from "../protocol/members";

const tags = ["audit"];

export const audit = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: AuditQuery },
      responses: { 200: jsonResponse(z.object({ entries: z.array(AuditEntry) }), "Entries in order, after `after`."), ...errorResponses },
    }),
    async (c) => {
      await sealed(c);
      return c.json({ entries: await listAudit(c.var.deps.db, c.var.auth.workspaceId, c.req.valid("query")) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/verify",
      tags,
      responses: { 200: jsonResponse(AuditVerification, "Whether the chain is intact, and where it breaks."), ...errorResponses },
    }),
    // The workspace's sealer holds the checkpoint key and the head it sealed, so it verifies.
    async (c) => c.json(await (await workspaceHub(c.env, c.var.auth.workspaceId)).verifyAudit(), 200),
  )
  // JSON lines are not a JSON response, so this route is plain Hono (it is still in the route table).
  .get("/export", async (c) => {
    await sealed(c);
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

async function sealed(c: Context<AppEnv>): Promise<void> {
  await (await workspaceHub(c.env, c.var.auth.workspaceId)).sealAudit();
}
