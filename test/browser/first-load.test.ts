/**
 * The first load as a browser makes it (issue 15): every screen is a lazy chunk, so opening the home
 * screen must fetch its chunk beside the sign-in check rather than after it (no waterfall), and fetch
 * no other screen's code before the list shows. Prints what the page really fetched, gzipped, next to
 * the figure bench/first-load.ts computes from the build.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../agent/up/local-server";
import { firstLoadJs, HOME_VIEW, readManifest } from "../../bench/first-load";
import type { Tower } from "../e2e/harness";
import { signedInPage, towerAndBrowser } from "./browser";

const DIST = join(PROJECT_ROOT, "web", "dist");
let t: Tower;
let browser: Browser;

towerAndBrowser({ agent: false }, (started) => ({ t, browser } = started));

describe("happy", () => {
  it("fetches the home screen's chunk before the sign-in check answers, and no other screen's", async () => {
    const manifest = readManifest(DIST);
    const home = `/${manifest[HOME_VIEW]!.file}`;
    const screens = new Set(
      Object.entries(manifest)
        .filter(([key]) => key.startsWith("src/views/"))
        .map(([, c]) => `/${c.file}`),
    );
    const { context, page: signIn } = await signedInPage(browser, t);
    await signIn.close();

    const page = await context.newPage();
    const order: string[] = [];
    const scripts: string[] = [];
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (r.resourceType() === "script") scripts.push(path);
      order.push(`request ${path}`);
    });
    page.on("response", (r) => order.push(`response ${new URL(r.url()).pathname}`));
    await page.goto(`${t.url}/sessions`);
    await page.getByText("No sessions yet.").waitFor();
    const beforeList = [...scripts];

    expect(order.indexOf(`request ${home}`)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(`request ${home}`), order.join("\n")).toBeLessThan(order.indexOf("response /api/me"));
    expect(beforeList.filter((s) => screens.has(s))).toEqual([home]);

    const size = (s: string) => gzipSync(readFileSync(join(DIST, s))).length;
    const counted = firstLoadJs(DIST);
    const more = beforeList.filter((s) => !counted.files.includes(s.slice(1)));
    const gz = beforeList.reduce((n, s) => n + size(s), 0);
    console.log(
      `first load in Chromium: ${(gz / 1024).toFixed(1)} KB gz in ${beforeList.length} scripts; bench/first-load.ts: ${(counted.gzipBytes / 1024).toFixed(1)} KB; ` +
        `beyond it (fetched on demand by the API client): ${more.map((s) => `${s} ${(size(s) / 1024).toFixed(1)} KB`).join(", ")}`,
    );
    await context.close();
  });

  it("does not serve the build's manifest (web/public/.assetsignore keeps it out of the assets)", async () => {
    const res = await fetch(`${t.url}/.vite/manifest.json`);
    // Unknown paths get the app's index.html (single-page-application): anything but the manifest's JSON.
    expect(await res.text()).not.toContain(`"${HOME_VIEW}"`);
  });
});
