/**
 * Text normalisation shared by the FTS query builder, the local embedder and the highlighter:
 * words (camelCase and snake_case split), stopwords, and a light English stemmer. Pure; the same
 * function runs at index time and query time, so both sides agree on what a "word" is.
 */

const STOPWORDS = new Set(
  "a an and are as at be been but by can could did do does for from had has have how i if in into is it its me my no not of on or our so that the their them then there these they this to too was we were what when where which who why will with would you your".split(
    " ",
  ),
);

/** Lower-cased words of `text`, with camelCase, snake_case, paths and dotted names split. */
export function words(text: string): string[] {
  const spaced = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
  return spaced.match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function isStopword(w: string): boolean {
  return STOPWORDS.has(w);
}

/** A light suffix stripper (not Porter): enough that "failing", "failed" and "fails" meet. */
export function stem(w: string): string {
  if (w.length <= 3 || /^\d+$/.test(w)) return w;
  const rules: [RegExp, string][] = [
    [/ies$/, "y"],
    [/ied$/, "y"],
    [/(ss)es$/, "$1"],
    [/([^aeiou])es$/, "$1e"],
    [/([^s])s$/, "$1"],
    [/eed$/, "ee"],
    [/([a-z]{3,})ing$/, "$1"],
    [/([a-z]{3,})ed$/, "$1"],
    [/([a-z]{3,})ly$/, "$1"],
    [/([a-z]{3,})ation$/, "$1"],
    [/([a-z]{3,})ment$/, "$1"],
  ];
  for (const [re, to] of rules) {
    if (re.test(w)) {
      const s = w.replace(re, to);
      // "running" → "runn" → "run": undo a doubled final consonant left by -ing/-ed.
      return /([b-df-hj-np-tv-z])\1$/.test(s) && !/(ll|ss|zz)$/.test(s) ? s.slice(0, -1) : s;
    }
  }
  return w;
}

/** Content words of `text`, stemmed, without stopwords: the terms both search paths reason about. */
export function terms(text: string): string[] {
  return words(text)
    .filter((w) => !isStopword(w))
    .map(stem);
}
