/**
 * Per-session authorization for routes: loads the session (within the actor's workspace) and its
 * grants, works out the actor's role on it, and applies the policy. A session the actor may not
 * even read answers 404, so its existence does not leak.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { listGrants } from "../db/grants";
import { getSession } from "../db/sessions";
import { can, sessionRoleOf, type Action, type SessionRole } from "../domain/policy";
import { ApiError } from "../protocol/errors";
import type { SessionSummary } from "../protocol/session";

export async function sessionFor(
  c: Context<AppEnv>,
  id: string,
  action: Action,
): Promise<{ session: SessionSummary; role: SessionRole | null }> {
  const { db } = c.var.deps;
  const actor = c.var.auth;
  const [session, grants] = await Promise.all([getSession(db, actor.workspaceId, id), listGrants(db, id)]);
  if (!session) throw new ApiError("NOT_FOUND", `No session ${id} in this workspace.`);
  const role = sessionRoleOf(actor, session, grants);
  if (!can(actor, "session.read", role).ok) throw new ApiError("NOT_FOUND", `No session ${id} in this workspace.`);
  const d = can(actor, action, role);
  if (!d.ok) throw new ApiError("FORBIDDEN", `Not allowed: ${d.why}.`);
  return { session, role };
}

/** Whether the actor may act (decide, interrupt, continue) on a session it can read. */
export function mayAct(c: Context<AppEnv>, role: SessionRole | null): boolean {
  return can(c.var.auth, "session.act", role).ok;
}
