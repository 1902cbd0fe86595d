/**
 * The web app's first load stays within its budget (issue 15): the test builds web/ into a temporary
 * folder and computes the figure exactly as `npm run bench` does (bench/first-load.ts): index.html's
 * scripts and module-preloads plus the home route's chunks, gzipped.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIRST_LOAD_BUDGET_BYTES, firstLoadJs, HOME_VIEW, readManifest, staticClosure } from "../../bench/first-load";

const dist = mkdtempSync(join(tmpdir(), "tower-web-"));

beforeAll(async () => {
  // Vitest sets NODE_ENV=test, and Vite would then bundle React's development build: build as `vite build` does.
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: "web/vite.config.ts", mode: "production", logLevel: "warn", build: { outDir: dist, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = env;
  }
}, 180_000);
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe("happy", () => {
  it("loads at most FIRST_LOAD_BUDGET_BYTES (64 KB) of JavaScript, gzipped, before the home screen renders", () => {
    const js = firstLoadJs(dist);
    expect(js.files.length).toBeGreaterThan(1);
    const kb = (js.gzipBytes / 1024).toFixed(1);
    expect(js.gzipBytes, `${kb} KB gzipped in ${js.files.join(", ")}`).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_BYTES);
  });

  it("counts the home route's own chunk in the figure (routes are lazy, so index.html alone would undercount)", () => {
    const manifest = readManifest(dist);
    const home = manifest[HOME_VIEW];
    expect(home?.file).toBeDefined();
    expect(firstLoadJs(dist).files).toContain(home!.file);
    const html = readFileSync(join(dist, "index.html"), "utf8");
    expect(html).not.toContain(home!.file);
  });

  it("leaves screens other than the home screen out of the first load", () => {
    const manifest = readManifest(dist);
    const first = new Set(firstLoadJs(dist).files);
    const others = ["src/views/session.tsx", "src/views/settings/index.tsx", "src/views/pipelines.tsx", "src/views/templates.tsx", "src/views/search.tsx"];
    for (const view of others) {
      expect(manifest[view], `${view} is a chunk of its own`).toBeDefined();
      expect(first.has(manifest[view]!.file), `${view} is not in the first load`).toBe(false);
    }
    expect(staticClosure(manifest, HOME_VIEW).length).toBeGreaterThan(0);
  });
});
