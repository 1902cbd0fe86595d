/**
 * How an approval reads to a person (its wait, its routing, durations), apart from the schemas in
 * approval.ts, which re-exports these: a list that only prints approvals (`tower ls`, `show`) then
 * builds none of the approval schemas.
 */
import type { Approval } from "./approval";

/** Who may decide an approval: the rule is `session.act` (worker/domain/policy.ts), said in words. */
export const WHO_MAY_DECIDE = "the session's owner, a collaborator or a workspace admin may decide";

/** "4m 10s" from milliseconds; whole seconds, at most two units. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [d, h, m, sec] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60];
  const parts = d ? [`${d}d`, h ? `${h}h` : ""] : h ? [`${h}h`, m ? `${m}m` : ""] : m ? [`${m}m`, sec ? `${sec}s` : ""] : [`${sec}s`];
  return parts.filter(Boolean).join(" ");
}

/** What a tool call that waits on a person says: that it waits, who may decide, and when it expires. */
export function approvalWaitText(a: Pick<Approval, "expiresAt">, now: number): string {
  const left = a.expiresAt - now;
  // A replay (`tower watch` of an old session) renders an approval long after its deadline: say so.
  return `waiting for approval · ${WHO_MAY_DECIDE} · ${left > 0 ? `expires in ${durationText(left)}` : `its deadline passed ${durationText(-left)} ago`}`;
}

/** "group sre" from `group:sre`; the session's deciders or collaborators otherwise. */
function deciderName(decideBy: string): string {
  if (decideBy.startsWith("group:")) return `group ${decideBy.slice("group:".length)}`;
  return decideBy === "collaborators" ? "the session's collaborators" : "the session's deciders";
}

/**
 * Why a waiting call is in `userId`'s inbox, in one line for its card: who it is routed to (them, by
 * a group or as its escalation), by which rule, how far its quorum has come, and its clocks. Null for a
 * call no rule routed (it waits for the session's owner, collaborators and admins, as every call does).
 * @example approvalWhy(a, "usr_ann", now) === "routed to you: group sre, rule deploys (v3) · quorum 1 of 2 · escalates to group leads in 8m"
 */
export function approvalWhy(a: Pick<Approval, "routing" | "createdAt" | "status">, userId: string | null, now: number): string | null {
  const r = a.routing;
  if (!r) return null;
  const e = r.escalation;
  const escalatedToMe = !!userId && e?.escalatedAt != null && e.eligible.includes(userId) && !(r.eligible ?? []).includes(userId);
  const head = escalatedToMe
    ? `escalated to you: ${deciderName(e!.to)} after ${durationText(e!.afterMs)}, ${r.rule}`
    : userId && (r.eligible ?? []).includes(userId)
      ? `routed to you: ${deciderName(r.decideBy)}, ${r.rule}`
      : `routed to ${deciderName(r.decideBy)} by ${r.rule}`;
  const parts = [head];
  if (r.quorum > 1) parts.push(`quorum ${r.approvals.length} of ${r.quorum}`);
  if (a.status === "pending" && e) {
    const at = a.createdAt + e.afterMs;
    if (e.escalatedAt === null) parts.push(`escalates to ${deciderName(e.to)} ${at > now ? `in ${durationText(at - now)}` : "now"}`);
    else if (!escalatedToMe) parts.push(`escalated to ${deciderName(e.to)}`);
  }
  if (a.status === "pending" && r.deadline) {
    const at = a.createdAt + r.deadline.afterMs;
    parts.push(at > now ? `denied in ${durationText(at - now)} unless decided` : "its deadline has passed");
  }
  return parts.join(" · ");
}
