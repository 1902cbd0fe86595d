/**
 * Per-session authorization for routes: loads the session (within the actor's workspace) and its
 * grants, and applies the visibility rule. A session the actor may not even read answers 404, so its
 * existence does not leak. Changes to who may see a session go through `changeAccess`, which tells
 * the open sockets (the session's room and the workspace hub) at once.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { listGrants, sessionAccess } from "../db/grants";
import { getSession } from "../db/sessions";
import { can, sessionRoleOf, type Action, type SessionRole } from "../domain/policy";
import { mayDecideAsRouted, maySeeSession } from "../domain/visibility";
import { findApprovalRoute, findApprovalSession } from "../db/approvals";
import { namedDeciders } from "../protocol/approval";
import { ApiError } from "../protocol/errors";
import type { SessionSummary } from "../protocol/session";
import { sessionRoom, workspaceHub } from "../rooms";

export async function sessionFor(c: Context<AppEnv>, id: string, action: Action): Promise<{ session: SessionSummary; role: SessionRole | null }> {
  const { db } = c.var.deps;
  const actor = c.var.auth;
  const [session, grants] = await Promise.all([getSession(db, actor.workspaceId, id), listGrants(db, id)]);
  if (!session || !maySeeSession(actor, { ownerId: session.ownerId, grants })) throw new ApiError("NOT_FOUND", `No session ${id} in this workspace.`);
  const role = sessionRoleOf(actor, session, grants);
  const d = can(actor, action, role);
  if (!d.ok) throw new ApiError("FORBIDDEN", `Not allowed: ${d.why}.`);
  return { session, role };
}

/**
 * The session of an approval the caller may see or decide: one whose session allows `action`, or one
 * a rule routes to them now (`maySeeApproval`: they may see and decide that call, not its session).
 * `sessionId` is the session a session-scoped route names: its own check runs first, so the usual
 * decision reads no approval; the routed one is tried when that check refuses.
 */
export async function approvalSessionFor(c: Context<AppEnv>, approvalId: string, action: "session.read" | "session.act", sessionId?: string): Promise<string> {
  if (sessionId) {
    try {
      await sessionFor(c, sessionId, action);
      return sessionId;
    } catch (e) {
      if ((await routedSessionOf(c, approvalId)) === sessionId) return sessionId;
      throw e;
    }
  }
  const routed = await routedSessionOf(c, approvalId);
  if (routed) return routed;
  const found = await findApprovalSession(c.var.deps.db, c.var.auth.workspaceId, approvalId);
  if (!found) throw new ApiError("NOT_FOUND", `No approval ${approvalId} in this workspace.`);
  await sessionFor(c, found, action);
  return found;
}

/** The session of an approval a rule routes to the caller now; null when it names them not. */
async function routedSessionOf(c: Context<AppEnv>, approvalId: string): Promise<string | null> {
  const found = await findApprovalRoute(c.var.deps.db, c.var.auth.workspaceId, approvalId);
  return found && mayDecideAsRouted(c.var.auth, namedDeciders(found.routing)) ? found.sessionId : null;
}

/**
 * Runs `change` (a share added, changed or removed, a handoff), then pushes the session's new owner
 * and grants to its room (which closes viewers who lost it) and to the workspace hub (which drops it
 * from their lists and filters later frames by it). IMPORTANT: every change of shares goes through here.
 */
export async function changeAccess<T>(c: Context<AppEnv>, sessionId: string, change: () => Promise<T>): Promise<T> {
  const { db } = c.var.deps;
  const workspaceId = c.var.auth.workspaceId;
  const before = (await sessionAccess(db, workspaceId, [sessionId])).get(sessionId) ?? null;
  const out = await change();
  const after = (await sessionAccess(db, workspaceId, [sessionId])).get(sessionId) ?? null;
  await (await sessionRoom(c.env, sessionId)).setGrants(after?.grants ?? []);
  await (await workspaceHub(c.env, workspaceId)).accessChanged(sessionId, before, after);
  return out;
}
