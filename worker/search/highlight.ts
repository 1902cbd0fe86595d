/**
 * Snippets with highlights for search results: picks the window of a document with the most
 * query words, HTML-escapes everything, and wraps matches in <mark>…</mark>. Matching is by stem
 * (and by prefix for `word*`), so "failing" highlights for the query "failed". Pure.
 */
import { stem } from "./tokenize";

export const MARK_OPEN = "<mark>";
export const MARK_CLOSE = "</mark>";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);

interface Hit {
  start: number;
  end: number;
}

function hits(text: string, exact: ReadonlySet<string>, prefixes: readonly string[]): Hit[] {
  const out: Hit[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0].toLowerCase();
    if (exact.has(w) || exact.has(stem(w)) || prefixes.some((p) => w.startsWith(p))) out.push({ start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/**
 * A snippet of at most about `width` characters around the densest cluster of matches.
 * @example snippet("the login test fails", { exact: ["fail"], prefixes: [] }) === "the login test <mark>fails</mark>"
 */
export function snippet(text: string, terms: { exact: readonly string[]; prefixes: readonly string[] }, width = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const exact = new Set(terms.exact.flatMap((t) => [t.toLowerCase(), stem(t.toLowerCase())]));
  const all = hits(
    flat,
    exact,
    terms.prefixes.map((p) => p.toLowerCase()),
  );
  let from = 0;
  if (all.length && flat.length > width) {
    let best = 0;
    let bestCount = -1;
    for (let i = 0; i < all.length; i++) {
      let n = 0;
      while (i + n < all.length && all[i + n]!.end - all[i]!.start <= width) n++;
      if (n > bestCount) {
        bestCount = n;
        best = i;
      }
    }
    from = Math.max(0, all[best]!.start - Math.floor(width / 4));
  }
  const to = Math.min(flat.length, from + width);
  let out = from > 0 ? "…" : "";
  let pos = from;
  for (const h of all) {
    if (h.start < from || h.end > to) continue;
    out += escapeHtml(flat.slice(pos, h.start)) + MARK_OPEN + escapeHtml(flat.slice(h.start, h.end)) + MARK_CLOSE;
    pos = h.end;
  }
  out += escapeHtml(flat.slice(pos, to));
  return to < flat.length ? `${out}…` : out;
}
