/**
 * What the browser tab says when approvals wait: the count in the title ("(3) Tower") and a red
 * badge on the favicon, so a person working in another tab sees that Claude is blocked on them.
 * Pure (the count, the title, the icon's SVG), so it is tested in Node; live/attention.ts applies it.
 */
import type { Approval } from "../../../worker/protocol/approval";
import type { HubFrame } from "../../../worker/protocol/frames";

/** The approvals in the inbox that still wait for a decision at `now` (an expired one no longer can). */
export function waitingCount(approvals: Iterable<Approval>, now: number): number {
  let n = 0;
  for (const a of approvals) if (a.status === "pending" && a.expiresAt > now) n++;
  return n;
}

const shown = (count: number) => (count > 99 ? "99+" : String(count));

/** The tab's title: the count first, so it survives a narrow tab. */
export function tabTitle(base: string, count: number): string {
  return count > 0 ? `(${shown(count)}) ${base}` : base;
}

/** Tower's icon (public/icon.svg), drawn again so a badge can sit on it. */
const ICON =
  '<rect width="512" height="512" rx="96" fill="#111318"/><path d="M176 112h160v48h-56v240h-48V160h-56z" fill="#7aa2ff"/><rect x="152" y="400" width="208" height="24" rx="12" fill="#e6e8ee"/>';

/** The favicon's URL: the plain icon, or the icon with a red badge holding the count. */
export function faviconHref(count: number): string {
  if (count <= 0) return "/icon.svg";
  const label = shown(count);
  const size = label.length > 2 ? 150 : label.length > 1 ? 190 : 230;
  const badge = `<circle cx="368" cy="144" r="144" fill="#e5484d"/><text x="368" y="144" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" font-weight="700" font-size="${size}" fill="#fff">${label}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">${ICON}${badge}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/**
 * The call a hub frame says has just started waiting (one the page did not hold yet), announced in the
 * page; null for anything else (a repeat, a decision, the hello's list on connect).
 */
export function newlyWaiting(frame: HubFrame, known: ReadonlyMap<string, Approval>): Approval | null {
  if (frame.type !== "approval-upsert" || frame.approval.status !== "pending" || known.has(frame.approval.id)) return null;
  return frame.approval;
}
