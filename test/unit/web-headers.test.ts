/**
 * The web app's static files are served by Workers static assets with the headers in web/public/_headers
 * (copied into the build). The page may load images only from itself (a transcript's remote images open
 * in a new tab on a click), runs only its own scripts, and may not be framed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../web/", import.meta.url);

/** The headers `_headers` sets for a path pattern. */
function rule(text: string, pattern: string): Record<string, string> {
  const lines = text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  const out: Record<string, string> = {};
  let inRule = false;
  for (const line of lines) {
    if (!/^\s/.test(line)) inRule = line.trim() === pattern;
    else if (inRule) {
      const i = line.indexOf(":");
      out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
  }
  return out;
}

describe("security: the web app's headers", () => {
  const headers = rule(readFileSync(new URL("public/_headers", root), "utf8"), "/*");
  const csp = Object.fromEntries(
    (headers["content-security-policy"] ?? "")
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v.join(" ")]),
  );

  it("limits images to Tower itself, scripts to its own files, and forbids framing", () => {
    expect(csp["img-src"]).toBe("'self' data: blob:");
    expect(csp["script-src"]).toBe("'self'");
    expect(csp["frame-ancestors"]).toBe("'none'");
    expect(csp["default-src"]).toBe("'self'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
  });

  it("has no inline script in the page that script-src 'self' would block", () => {
    const html = readFileSync(new URL("index.html", root), "utf8");
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)];
    expect(inline).toEqual([]);
  });
});
