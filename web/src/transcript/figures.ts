/**
 * How the web writes figures (money, token counts, counted nouns), in one pure module so the session
 * header, the transcript's result rows and the lists say the same thing the same way.
 */

export function money(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : usd > 0 ? `$${usd.toFixed(4)}` : "$0";
}

export function compact(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

/** "1 turn", "2 turns". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** What the session's cost means, said wherever it is shown. */
export const COST_MEANING =
  "This session's cost, over all its runs (a fork does not count what its parent spent before it), as Claude Code reports it when each reply ends";

/** How long ago `ms` was: "42s", "5m", "3h", "2d". */
export function age(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
