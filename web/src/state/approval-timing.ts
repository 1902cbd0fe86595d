/**
 * What an approval card says about time: how long the request has waited and when it expires (or
 * that it has), and whether that is soon enough to stand out. Pure, so it is tested in Node; the card
 * re-renders it as the clock moves.
 */
import type { Approval } from "../../../worker/protocol/approval";

/** Under this much time left an expiry is urgent (shown in the warning colour). */
const URGENT_MS = 2 * 60_000;

/** A duration as people say it on a card: "40s", "5m", "2h 5m", "3d". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export interface ApprovalTiming {
  /** "asked 5m ago" */
  asked: string;
  /** "expires in 12m" while pending, "expired 2m ago" after its deadline */
  expiry: string;
  /** Under two minutes left (or past its deadline): the card shows it in the warning colour. */
  urgent: boolean;
}

export function approvalTiming(a: Pick<Approval, "createdAt" | "expiresAt">, now: number): ApprovalTiming {
  const left = a.expiresAt - now;
  return {
    asked: `asked ${span(now - a.createdAt)} ago`,
    expiry: left > 0 ? `expires in ${span(left)}` : `expired ${span(-left)} ago`,
    urgent: left < URGENT_MS,
  };
}
