/**
 * Reciprocal rank fusion: merges ranked lists (full-text, semantic) into one without comparing
 * their incomparable scores. Each list contributes 1 / (k + rank); k = 60 as in Cormack et al.
 */
export const RRF_K = 60;

/** Fuses ranked key lists; returns keys by fused score, best first, ties broken by first appearance. */
export function fuse(lists: readonly (readonly string[])[], k = RRF_K): { key: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) {
    for (const [i, key] of list.entries()) scores.set(key, (scores.get(key) ?? 0) + 1 / (k + i + 1));
  }
  return [...scores].map(([key, score]) => ({ key, score })).sort((a, b) => b.score - a.score);
}

/** Keeps the first (best) item per group: results are per session, not per event. */
export function bestPerGroup<T>(items: readonly T[], groupOf: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const g = groupOf(t);
    if (seen.has(g)) return false;
    seen.add(g);
    return true;
  });
}
