/**
 * What list rows say, as pure functions: a pipeline step's session, a pipeline run that failed, a
 * machine's last contact, the just-issued token secret. Each reads the record as it is now, so a row
 * never states something that has stopped being true (a revoked secret, "last seen" on a live machine).
 */
import type { TokenInfo } from "../../../worker/protocol/members";
import type { RunView } from "../../../worker/protocol/pipelines";
import type { SessionSummary } from "../../../worker/protocol/session";
import { age } from "../transcript/figures";

/** The mark after a pipeline step's session title; the step's name only when the title does not already say it. */
export function pipelineMark(s: Pick<SessionSummary, "title" | "pipelineStepId">): string | null {
  const stepId = s.pipelineStepId;
  if (!stepId) return null;
  return s.title.endsWith(`· ${stepId}`) ? " · pipeline step" : ` · pipeline step ${stepId}`;
}

/** Why a run failed or was cancelled: its own reason, or else the first failed step's; null while it is fine. */
export function runReason(r: RunView): string | null {
  if (r.status !== "failed" && r.status !== "cancelled") return null;
  if (r.statusReason) return r.statusReason;
  const step = r.steps.find((s) => s.status === "failed") ?? r.steps.find((s) => s.status === "cancelled");
  if (!step) return null;
  return step.statusReason ? `${step.id}: ${step.statusReason}` : `step ${step.id} ${step.status}`;
}

/** A machine's last contact: a connected machine is seen now, whatever its last-seen stamp says. */
export function lastSeenText(a: { online: boolean; lastSeenAt: number | null }, now = Date.now()): string {
  if (a.online) return "now (connected)";
  return a.lastSeenAt ? `${age(a.lastSeenAt, now)} ago` : "never";
}

export interface IssuedSecret {
  id: string;
  name: string;
  token: string;
}

/** The secret just issued, while its token still works (revoking it, or rotating it away, hides it). */
export function shownSecret(secret: IssuedSecret | null, tokens: readonly TokenInfo[] | null): IssuedSecret | null {
  if (!secret || !tokens) return secret;
  const t = tokens.find((x) => x.id === secret.id);
  return t && !t.revokedAt ? secret : null;
}
