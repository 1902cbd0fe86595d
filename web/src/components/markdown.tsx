/**
 * Assistant text as markdown, rendered to React elements (never innerHTML) with raw HTML in the
 * model's output shown as text, so a transcript can't inject markup into the page.
 */
import { memo } from "react";
import { Markdown } from "markdown-to-jsx/react";

const OPTIONS = { disableParsingRawHTML: true, forceBlock: true } as const;

export const MarkdownText = memo(function MarkdownText({ text }: { text: string }) {
  return (
    <div className="md">
      <Markdown options={OPTIONS}>{text}</Markdown>
    </div>
  );
});
