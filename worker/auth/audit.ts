/** Records what the current request did in the workspace's audit log, as its authenticated actor. */
import type { Context } from "hono";
import { appendAudit, auditActor } from "../db/audit";
import type { AppEnv } from "../env";

export async function recordAudit(c: Context<AppEnv>, action: string, target: string, details: Record<string, unknown> = {}, via = "api"): Promise<void> {
  const actor = c.var.auth;
  await appendAudit(c.var.deps.db, { workspaceId: actor.workspaceId, ...auditActor(actor), via, action, target, details });
}
