/**
 * Search snippets arrive HTML-escaped with <mark>…</mark> around the matches. This turns one into
 * plain text parts (entities decoded) so React renders them as text — never as HTML.
 */
export interface SnippetPart {
  text: string;
  hit: boolean;
}

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(?:lt|gt|amp|quot|#39|#x27);/g, (m) => ENTITIES[m] ?? m);
}

export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const re = /<mark>([\s\S]*?)<\/mark>/g;
  let last = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > last) parts.push({ text: decodeEntities(snippet.slice(last, m.index)), hit: false });
    parts.push({ text: decodeEntities(m[1]!), hit: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: decodeEntities(snippet.slice(last)), hit: false });
  return parts;
}
