/**
 * Turns what a person types into an FTS5 MATCH expression that can never be a syntax error:
 * every word and phrase is emitted as a double-quoted string (quotes doubled), so operators,
 * column filters and parentheses in the input are just text. Supports "exact phrases" and
 * prefix* words; plain words are ANDed, or ORed for the fallback and for "similar" queries.
 */
import { isStopword, words } from "./tokenize";

export interface ParsedQuery {
  /** Plain words (stopwords dropped unless they are all there is). */
  words: string[];
  /** Words typed with a trailing `*`. */
  prefixes: string[];
  /** Quoted phrases, each as its words. */
  phrases: string[][];
}

export function parseQuery(input: string): ParsedQuery {
  const phrases: string[][] = [];
  const rest = input.replace(/"([^"]*)"/g, (_m, inner: string) => {
    const ws = words(inner);
    if (ws.length) phrases.push(ws);
    return " ";
  });
  const prefixes: string[] = [];
  const plain: string[] = [];
  for (const raw of rest.split(/\s+/)) {
    if (!raw) continue;
    const ws = words(raw);
    if (raw.endsWith("*") && ws.length) {
      plain.push(...ws.slice(0, -1));
      prefixes.push(ws.at(-1)!);
    } else plain.push(...ws);
  }
  const content = plain.filter((w) => !isStopword(w));
  return { words: unique(content.length || prefixes.length || phrases.length ? content : plain), prefixes: unique(prefixes), phrases };
}

const unique = (xs: string[]) => [...new Set(xs)];
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** True when the query has nothing to match on (blank, or only punctuation). */
export function isEmptyQuery(q: ParsedQuery): boolean {
  return q.words.length + q.prefixes.length + q.phrases.length === 0;
}

/**
 * The MATCH expression, or null for an empty query.
 * @example toMatch(parseQuery('login "flaky test" deplo*'), "and") === '"login" AND "flaky test" AND "deplo"*'
 */
export function toMatch(q: ParsedQuery, join: "and" | "or"): string | null {
  const parts = [...q.words.map(quote), ...q.phrases.map((p) => quote(p.join(" "))), ...q.prefixes.map((p) => `${quote(p)}*`)];
  if (!parts.length) return null;
  return parts.join(join === "and" ? " AND " : " OR ");
}

/** Every word a highlighter should mark: plain words, phrase words and prefixes (as prefixes). */
export function highlightTerms(q: ParsedQuery): { exact: string[]; prefixes: string[] } {
  return { exact: unique([...q.words, ...q.phrases.flat()]), prefixes: q.prefixes };
}
