/**
 * Records what the current request did in the audit log. `auditQuery` gives the entry's insert to
 * put in the same D1 batch as the action, so the two commit together or not at all; `recordAudit`
 * writes it alone (for actions that are not a D1 write of this request). Either way the workspace
 * is marked, and `sealAuditAfter` asks its sealer to chain the entry once the request is done.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { appendAudit, auditActor, auditInsertQuery, type NewAuditEntry } from "../db/audit";
import type { AppEnv } from "../env";
import { workspaceHub } from "../rooms";

/** The entry the request's actor makes for `action`. */
export function auditEntry(c: Context<AppEnv>, action: string, target: string, details: Record<string, unknown> = {}, via = "api"): NewAuditEntry {
  const actor = c.var.auth;
  return { workspaceId: actor.workspaceId, ...auditActor(actor), via, action, target, details };
}

/** The insert for an entry, to batch with the action it records. */
export function auditQuery(c: Context<AppEnv>, entry: NewAuditEntry) {
  markForSealing(c, entry.workspaceId);
  return auditInsertQuery(c.var.deps.db, entry);
}

export async function recordAudit(c: Context<AppEnv>, action: string, target: string, details: Record<string, unknown> = {}, via = "api"): Promise<void> {
  await recordAuditAs(c, auditEntry(c, action, target, details, via));
}

/** Writes an entry whose actor is not the request's (sign-ins, device logins, invitations). */
export async function recordAuditAs(c: Context<AppEnv>, entry: NewAuditEntry): Promise<void> {
  markForSealing(c, entry.workspaceId);
  await appendAudit(c.var.deps.db, entry);
}

function markForSealing(c: Context<AppEnv>, workspaceId: string): void {
  const touched = c.get("auditTouched") ?? new Set<string>();
  touched.add(workspaceId);
  c.set("auditTouched", touched);
}

/** After the request (and so after its batch committed), chains what it recorded. */
export const sealAuditAfter = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const touched = c.get("auditTouched");
  if (!touched?.size) return;
  const sealing = Promise.all([...touched].map(async (w) => (await workspaceHub(c.env, w)).sealAudit())).catch((e) => console.error("audit sealing", e));
  c.executionCtx.waitUntil(sealing);
});
