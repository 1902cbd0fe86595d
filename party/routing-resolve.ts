/**
 * Turns a rule's `decide_by` into the people who may decide one waiting call, read from D1 once,
 * when the call starts waiting: the room then checks each decision against the approval it holds
 * (party/core/routing.ts) and never reads D1 per decision. A group that is gone or empty routes to
 * the workspace's owners and admins, so a call is never left with nobody who may decide it. An
 * escalation's group is resolved here too, so the alarm that escalates is one pure step.
 */
import { displayNames, findApproverGroup, groupMemberIds } from "../worker/db/approver-groups";
import { makeDb, type Db } from "../worker/db/client";
import { listGrants } from "../worker/db/grants";
import { deadlineMessage, WHO_MAY_DECIDE, type ApprovalRouting } from "../worker/protocol/approval";
import type { RuleVerdict } from "../worker/protocol/rules";
import { ruleSignature } from "./core/rule-verdict";
import type { SessionFacts } from "./core/room";

async function namesOf(db: Db, ids: string[]): Promise<string> {
  if (ids.length === 0) return "nobody";
  const byId = await displayNames(db, ids);
  return ids.map((id) => byId.get(id) ?? id).join(", ");
}

export async function resolveRouting(env: Env, session: SessionFacts, verdict: RuleVerdict): Promise<ApprovalRouting | null> {
  const route = verdict.route;
  if (verdict.decision !== "ask" || !route) return null;
  const db = makeDb(env.DB);
  const rule = ruleSignature(verdict);
  const base = {
    decideBy: route.decideBy,
    rule,
    quorum: route.quorum,
    approvals: [],
    ...(route.deadlineMs ? { deadline: { afterMs: route.deadlineMs, message: route.deadlineMessage ?? deadlineMessage(route.deadlineMs, rule) } } : {}),
  };
  const escalate = route.escalate;
  const escalation = escalate
    ? { escalation: { to: escalate.to, ...(await groupOf(db, session, escalate.to.slice("group:".length))), afterMs: escalate.afterMs, escalatedAt: null } }
    : {};
  if (route.decideBy === "owner") return { ...base, label: WHO_MAY_DECIDE.replace(/ may decide$/, ""), eligible: null, ...escalation };
  if (route.decideBy === "collaborators") {
    const grants = (await listGrants(db, session.id)).filter((g) => g.role === "collaborator");
    if (grants.some((g) => g.principal === "workspace"))
      return { ...base, label: "any member of the workspace (it is shared with everyone as collaborators)", eligible: null, ...escalation };
    const eligible = [...new Set([session.ownerId, ...grants.map((g) => g.principal.replace(/^user:/, ""))])];
    return { ...base, label: `the session's owner and collaborators (${await namesOf(db, eligible)})`, eligible, ...escalation };
  }
  return { ...base, ...(await groupOf(db, session, route.decideBy.slice("group:".length))), ...escalation };
}

/** A group's people and their names; a group that is gone or empty falls back to the workspace's owners and admins. */
async function groupOf(db: Db, session: SessionFacts, name: string): Promise<{ label: string; eligible: string[] }> {
  const group = await findApproverGroup(db, session.workspaceId, name);
  const members = group ? await groupMemberIds(db, session.workspaceId, group) : [];
  if (members.length === 0) {
    const admins = await groupMemberIds(db, session.workspaceId, { members: [], roles: ["owner", "admin"] });
    const why = group?.unreadable ?? `group ${name} has no members`;
    return { label: `the workspace's owners and admins (${await namesOf(db, admins)}), as ${why}`, eligible: admins };
  }
  return { label: `group ${name} (${await namesOf(db, members)})`, eligible: members };
}
