/**
 * What a caller may see and do, applied to data rather than routes: a session (its summary, events,
 * approvals), a pipeline run's step results, machines. HTTP routes and every socket (session room,
 * workspace hub) call these same functions, so a frame never shows what the matching route would not.
 * Pure, on top of `can` and `sessionRoleOf`; callers pass the actor as it is now, not as it was.
 */
import { namedDeciders, type ApprovalRouting } from "../protocol/approval";
import type { HubFrame } from "../protocol/frames";
import type { RunView } from "../protocol/pipelines";
import { can, seesAllSessions, sessionRoleOf, type Actor, type Decision } from "./policy";

/** Who owns a session and whom it is shared with: everything the rule needs to know about it. */
export interface SessionAccess {
  ownerId: string;
  grants: readonly { principal: string; role: "collaborator" | "viewer" }[];
}

/** The access facts of sessions by id; null for a session unknown to the caller's workspace. */
export type AccessOf = (sessionId: string) => SessionAccess | null;

const denied: Decision = { ok: false, why: "this session is not shared with you" };

/** May `actor` read this session (its summary, events, approvals, results)? */
export function maySeeSession(actor: Actor, access: SessionAccess | null): boolean {
  return decideOn(actor, "session.read", access).ok;
}

/** May `actor` act on this session (decide, interrupt, continue)? */
export function mayActOnSession(actor: Actor, access: SessionAccess | null): Decision {
  return decideOn(actor, "session.act", access);
}

/**
 * May `actor` decide an approval a rule routed to them? Being named (`eligible`) lets a person act on
 * that one call as a collaborator would, though the session was never shared with them.
 */
export function mayDecideAsRouted(actor: Actor, eligible: readonly string[] | null | undefined): boolean {
  return !!eligible && !!actor.userId && eligible.includes(actor.userId) && can(actor, "session.act", "collaborator").ok;
}

/**
 * May `actor` see this approval? Who may read its session may; so may a person a rule routed it to
 * (named now: eligible, or escalated to), who sees that call (tool, input, the session's title) in
 * their inbox and may decide it, but is not given the session: its transcript stays unshared.
 */
export function maySeeApproval(actor: Actor, access: SessionAccess | null, routing: ApprovalRouting | null | undefined): boolean {
  return maySeeSession(actor, access) || mayDecideAsRouted(actor, namedDeciders(routing));
}

/**
 * May `actor` decide this approval now? The decision route's check (`approvalSessionFor`: acting on
 * the session, or named by its routing) together with the room's (`routedDecision`: a call routed to
 * named people takes only theirs), as one predicate for those who decide elsewhere (a push notification).
 */
export function mayDecideApproval(actor: Actor, access: SessionAccess | null, routing: ApprovalRouting | null | undefined): boolean {
  const named = namedDeciders(routing);
  if (routing?.eligible) return mayDecideAsRouted(actor, named);
  return mayActOnSession(actor, access).ok || mayDecideAsRouted(actor, named);
}

/**
 * The SQL mirror of `maySeeApproval` for a list: the sessions' filter (`listViewerOf`) and the person
 * whose routed calls are listed too (null when the caller could not decide one: no person, or a role
 * that may not act).
 */
export function approvalListViewerOf(actor: Actor): { viewer: string | null; routedTo: string | null } {
  const routedTo = actor.userId && can(actor, "session.act", "collaborator").ok ? actor.userId : null;
  return { viewer: listViewerOf(actor), routedTo };
}

function decideOn(actor: Actor, action: "session.read" | "session.act", access: SessionAccess | null): Decision {
  if (!access) return seesAllSessions(actor) ? can(actor, action, null) : denied;
  return can(actor, action, sessionRoleOf(actor, access, access.grants));
}

/**
 * The user a list query is limited to (its SQL mirror of `maySeeSession`: owned or shared), or null
 * for callers who see every session of the workspace.
 */
export function listViewerOf(actor: Actor): string | null {
  return seesAllSessions(actor) ? null : (actor.userId ?? "");
}

/** Has the actor's token (or browser session) run out? Sockets check it on every frame they carry. */
export function isExpired(actor: Pick<Actor, "expiresAt">, now: number): boolean {
  return actor.expiresAt !== null && actor.expiresAt <= now;
}

/** Every session a step ran (its attempts and its current one). */
function stepSessions(step: RunView["steps"][number]): string[] {
  return step.sessionId ? [...step.sessionIds, step.sessionId] : step.sessionIds;
}

/** The sessions a run's steps ran, whose access a caller must know to show the run. */
export function runSessionIds(run: RunView): string[] {
  return [...new Set(run.steps.flatMap(stepSessions))];
}

/**
 * A run as `actor` may see it. Runs are the workspace's (`pipeline.read`), but a step's result is
 * its session's output: it is shown only to who may read every session the step ran.
 */
export function runFor(actor: Actor, run: RunView, accessOf: AccessOf): RunView | null {
  if (!can(actor, "pipeline.read").ok) return null;
  return {
    ...run,
    steps: run.steps.map((s) => (s.result === null || stepSessions(s).every((id) => maySeeSession(actor, accessOf(id))) ? s : { ...s, result: null })),
  };
}

/** The sessions whose access a hub frame's filter reads. */
export function frameSessionIds(frame: HubFrame): string[] {
  switch (frame.type) {
    case "session-upsert":
      return [frame.session.id];
    case "approval-upsert":
      return [frame.approval.sessionId];
    case "session-removed":
      return [frame.sessionId];
    case "pipeline-upsert":
      return runSessionIds(frame.run);
    default:
      return [];
  }
}

/** A workspace hub frame as `actor` may receive it: the frame, a redacted copy, or null (not sent). */
export function frameFor(actor: Actor, frame: HubFrame, accessOf: AccessOf): HubFrame | null {
  switch (frame.type) {
    case "approval-upsert":
      return maySeeApproval(actor, accessOf(frame.approval.sessionId), frame.approval.routing) ? frame : null;
    case "session-upsert":
    case "session-removed":
      return maySeeSession(actor, accessOf(frameSessionIds(frame)[0]!)) ? frame : null;
    case "agent-presence":
      return can(actor, "agent.list").ok ? frame : null;
    case "pipeline-upsert": {
      const run = runFor(actor, frame.run, accessOf);
      return run ? { ...frame, run } : null;
    }
    case "hello":
      return frame; // built per connection from the same lists as HTTP (see the hub)
  }
}
