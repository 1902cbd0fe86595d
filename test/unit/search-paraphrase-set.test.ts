/**
 * Holds the labelled set honest: a "paraphrase" query must share no content word (by stem) with
 * any document of the session it should find, or it measures full-text search in disguise.
 */
import { describe, expect, it } from "vitest";
import { docsOf } from "../../worker/search/documents";
import { terms } from "../../worker/search/tokenize";
import { eventsOf, SESSIONS } from "../fixtures/search-corpus/corpus";
import { PARAPHRASES, QUERIES } from "../fixtures/search-corpus/queries";

const sessionTerms = new Map(
  SESSIONS.map((s, i) => {
    const text = eventsOf(s, i)
      .flatMap((e) => docsOf(e))
      .map((d) => d.text);
    return [s.key, new Set(terms([s.prompt, ...text].join(" ")).filter((t) => t.length > 1))];
  }),
);

describe("paraphrased queries of the labelled set", () => {
  it("has at least 30, each naming a session of the corpus", () => {
    expect(PARAPHRASES.length).toBeGreaterThanOrEqual(30);
    for (const p of PARAPHRASES) for (const key of p.relevant) expect(sessionTerms.has(key), key).toBe(true);
  });

  it.each(PARAPHRASES.map((p) => [p.q, p.relevant] as const))("%s shares no content word with %j", (q, relevant) => {
    for (const key of relevant) {
      const shared = terms(q).filter((t) => t.length > 1 && sessionTerms.get(key)!.has(t));
      expect(shared, `${q} → ${key}`).toEqual([]);
    }
  });

  it("does not repeat a keyword query", () => {
    const keyword = new Set(QUERIES.map((k) => k.q));
    for (const p of PARAPHRASES) expect(keyword.has(p.q), p.q).toBe(false);
  });
});
