/**
 * Reciprocal rank fusion: merges ranked lists (full-text, semantic) into one without comparing
 * their incomparable scores. Each list contributes weight / (k + rank); k = 60 as in Cormack et al.
 * A list is weighted by how much its ranking says: a full-text fallback to any one of the words
 * says little, and must not outrank what the other lists rank well.
 */
export const RRF_K = 60;

/** A ranked list of keys, with the weight of its votes (1) and its own k (the `k` of the call) unless said. */
export type RankedList = readonly string[] | { keys: readonly string[]; weight?: number; k?: number; firstRank?: number };

const isPlain = (l: RankedList): l is readonly string[] => Array.isArray(l);

/**
 * Fuses ranked key lists; returns keys by fused score, best first, ties broken by first appearance.
 * `firstRank` places a list after others of its source (fallback hits rank after the all-words hits);
 * a smaller `k` makes a list's first places count for more than its later ones.
 */
export function fuse(lists: readonly RankedList[], k = RRF_K): { key: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) {
    const { keys, weight = 1, k: own = k, firstRank = 1 } = isPlain(list) ? { keys: list } : list;
    for (const [i, key] of keys.entries()) scores.set(key, (scores.get(key) ?? 0) + weight / (own + firstRank + i));
  }
  return [...scores].map(([key, score]) => ({ key, score })).sort((a, b) => b.score - a.score);
}

/**
 * How hybrid fusion weighs its lists. All-words text hits and semantic hits are the strong lists and
 * count alike, with k = 30 so that their first places stand out from their tails. A miss on all the
 * words falls back to any one of them, often a common one: those hits vote at a tenth, on the flat
 * k = 60, so a fallback vote (at most 0.1/61) only breaks near-ties between neighbouring places of
 * the strong lists and never lifts a session over one they rank well. Equal votes let the fallback
 * drown paraphrased queries (hybrid fell below semantic alone; README "Search quality").
 */
export const STRONG_K = 30;
export const FALLBACK_WEIGHT = 0.1;

/** Hybrid search's fusion: all-words text hits, any-word fallback hits (weighed down), semantic hits. */
export function fuseHybrid(strict: readonly string[], loose: readonly string[], semantic: readonly string[]): { key: string; score: number }[] {
  return fuse([strict, { keys: loose, weight: FALLBACK_WEIGHT, k: RRF_K, firstRank: strict.length + 1 }, semantic], STRONG_K);
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
