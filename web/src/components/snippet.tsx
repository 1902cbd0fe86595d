/** A search snippet with its matches highlighted (text only; see state/snippet.ts). */
import { snippetParts } from "../state/snippet";

export function Snippet({ html }: { html: string }) {
  return <span className="snippet">{snippetParts(html).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}</span>;
}
