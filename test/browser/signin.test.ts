/**
 * The sign-in page as a newcomer meets it: the link `npm start` prints, opened in a tab that is
 * already on /signin (only the fragment changes, so the page does not reload), still signs in; and
 * the token field shows what a token looks like.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Tower } from "../e2e/harness";
import { DESKTOP, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({ agent: false }, (started) => ({ t, browser } = started));

describe("happy", () => {
  it("signs in when the printed link is opened in a tab already on /signin", async () => {
    const context = await browser.newContext({ viewport: DESKTOP.viewport, serviceWorkers: "block" });
    const page = await context.newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByRole("heading", { name: "Sign in to Tower" }).waitFor();
    expect(await page.getByLabel("API token").getAttribute("placeholder")).toMatch(/^tower_/);
    // Opening the same URL with a new fragment is a same-document navigation: no load, a hashchange.
    await page.evaluate((token) => {
      location.hash = `#token=${encodeURIComponent(token)}`;
    }, t.adminToken);
    await page.waitForURL(`${t.url}/sessions`, { timeout: 15_000 });
    await context.close();
  });
});
