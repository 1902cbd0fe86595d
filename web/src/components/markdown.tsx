/**
 * Assistant text as markdown, rendered to React elements (never innerHTML) with raw HTML in the
 * model's output shown as text, so a transcript can't inject markup into the page. Images are never
 * fetched by the page: a prompt-injected model could name any URL and learn who views the session
 * (and what it puts in the query). Each becomes a button that opens the image in a new tab.
 */
import { createElement, memo } from "react";
import { Markdown } from "markdown-to-jsx/react";

/**
 * An image the transcript names, held back until someone asks. The click opens it as a top-level tab
 * (noopener, no referrer) rather than in the page: the page's CSP (img-src 'self' data: blob:) would
 * refuse a remote image anyway, and a tab shows the viewer exactly which host they are contacting.
 */
export function HeldImage({ src, alt }: { src?: string; alt?: string }) {
  let url: URL | null = null;
  try {
    url = src ? new URL(src, location.origin) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return <span className="muted">[image{alt ? `: ${alt}` : ""}]</span>;
  const where = url.origin === location.origin ? "this Tower" : url.host;
  return (
    <button type="button" className="held-image" title={url.href} onClick={() => window.open(url.href, "_blank", "noopener,noreferrer")}>
      Load image from {where}
      {alt ? ` (${alt})` : ""}
    </button>
  );
}

/**
 * `createElement` and no wrapper: markdown-to-jsx otherwise builds element objects by hand with React's
 * internal `$$typeof`, which only React renders (the bundle ships Preact, web/vite.config.ts); with them it
 * goes through the runtime's own createElement, and the `.md` div below is the only wrapper.
 */
const OPTIONS = {
  disableParsingRawHTML: true,
  forceBlock: true,
  wrapper: null,
  createElement,
  overrides: { img: { component: HeldImage } },
} as const;

export const MarkdownText = memo(function MarkdownText({ text }: { text: string }) {
  return (
    <div className="md">
      <Markdown options={OPTIONS}>{text}</Markdown>
    </div>
  );
});
