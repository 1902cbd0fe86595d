/**
 * The four bugs HumanLayer's web app shipped with, as named tests, at a laptop and a phone size:
 * `c` opens the session creator; creating a session lands on that session; the search view scrolls
 * within the window; choosing a search result opens that session.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitForStatus, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, inViewport, PHONE, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;
const NEEDLES = 40;

towerAndBrowser(
  {
    agent: false,
    setup: async (t) => {
      // Many sessions for the search view, parked before any agent runs them (queued → interrupted).
      for (let i = 0; i < NEEDLES; i++) {
        const s = await t.client.createSession({ title: `needle report ${String(i).padStart(2, "0")}`, prompt: `just say hi (needle ${i})`, cwd: t.workDir });
        await t.client.interrupt(s.id);
      }
      await t.startAgent();
    },
  },
  (started) => ({ t, browser } = started),
);

describe.each([DESKTOP, PHONE])("HumanLayer's bugs, fixed ($name)", (device) => {
  it("`c` opens the session creator", async () => {
    const { context, page } = await signedInPage(browser, t, device);
    await page.keyboard.press("c");
    await page.waitForURL(/\/new$/);
    await page.getByRole("heading", { name: "New session" }).waitFor();
    // The prompt has focus, so the next keys type the prompt instead of triggering shortcuts.
    await page.keyboard.type("c");
    expect(await page.getByRole("textbox", { name: /^Prompt/ }).inputValue()).toBe("c");
    await context.close();
  });

  it("creating a session lands on that session, never a blank screen", async () => {
    const { context, page } = await signedInPage(browser, t, device);
    await page.keyboard.press("c");
    await page.getByRole("textbox", { name: /^Prompt/ }).fill(`just say hi from the ${device.viewport.width}px creator`);
    await page.getByLabel("Working directory").fill(t.workDir);
    await page.getByRole("button", { name: "Start session" }).click();
    await page.waitForURL(/\/sessions\/ses_[0-9a-z]{20}$/);
    const id = page.url().split("/").pop()!;
    // The session's own title and prompt are on screen at once, then it runs to the end live.
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "just say hi" }).waitFor();
    await page.getByRole("log", { name: "Conversation" }).getByText(`from the ${device.viewport.width}px creator`).first().waitFor();
    await page.locator(".session-head [data-status=completed]").waitFor({ timeout: 45_000 });
    expect((await waitForStatus(t, id, "completed")).id).toBe(id);
    await context.close();
  });

  it("the search view scrolls within the window", async () => {
    const { context, page } = await signedInPage(browser, t, device);
    await page.keyboard.press("/");
    await page.waitForURL(/\/search/);
    await page.getByLabel("Search sessions").fill("needle");
    const results = page.getByRole("list", { name: "Search results" }).getByRole("listitem");
    // Every needle is found (indexing runs off the hot path, so give it a moment); hybrid search may
    // add sessions that are merely similar, after them.
    await eventually(async () => {
      const titles = await results.locator("strong").allTextContents();
      for (let i = 0; i < NEEDLES; i++) expect(titles).toContain(`needle report ${String(i).padStart(2, "0")}`);
    }, 30_000);
    const count = await results.count();
    const tall = await page.evaluate(() => document.scrollingElement!.scrollHeight > innerHeight);
    expect(tall).toBe(true);
    const last = results.last();
    await page.mouse.wheel(0, 100_000);
    await page.waitForFunction(() => scrollY > 0);
    const box = await last.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(device.viewport.height + 1);
    // And by keyboard: moving down to the last result keeps it in view.
    await page.evaluate(() => scrollTo(0, 0));
    await page.getByLabel("Search sessions").focus();
    await page.keyboard.press("ArrowDown");
    for (let i = 1; i < count; i++) await page.keyboard.press("j");
    await eventually(async () => expect(await inViewport(page, ".results li:last-child")).toBe(true));
    await context.close();
  });

  it("choosing a search result opens that session", async () => {
    const { context, page } = await signedInPage(browser, t, device);
    await page.goto(`${t.url}/search`);
    await page.getByLabel("Search sessions").fill("needle report 07");
    const result = page.getByRole("list", { name: "Search results" }).getByRole("link").first();
    await eventually(async () => expect(await result.textContent()).toContain("needle report 07"));
    await result.click();
    await page.waitForURL(/\/sessions\/ses_/);
    await page.getByRole("heading", { level: 1, name: "needle report 07" }).waitFor();
    await context.close();
  });
});
