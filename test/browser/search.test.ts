/**
 * Search in the browser: words and meaning over every past session, highlighted matches, a result
 * that opens its session at the exact event, and "solved before" while a new prompt is typed.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitForStatus, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;
let echoId: string;

towerAndBrowser({ setup: releaseChecklist }, (started) => ({ t, browser } = started));

async function releaseChecklist(t: Tower): Promise<void> {
  const s = await t.client.createSession({ prompt: "run echo for the release checklist", cwd: t.workDir, title: "release checklist echo" });
  echoId = s.id;
  // Bash needs an approval; approve it as soon as it is asked.
  for (let i = 0; i < 100; i++) {
    const pending = (await t.client.listApprovals({ session: s.id })).approvals[0];
    if (pending) {
      await t.client.decide(pending.id, { decision: "approve", inputSha256: pending.inputSha256 }, s.id);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitForStatus(t, s.id, "completed");
}

describe("search in the browser", () => {
  it("highlights the match and opens the session at the exact event", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.keyboard.press("/");
    await page.getByRole("radio", { name: "words", exact: true }).click();
    await page.getByLabel("Search sessions").fill("tower-echo-ok");
    const first = page.getByRole("list", { name: "Search results" }).getByRole("link").first();
    await eventually(async () => expect(await first.textContent()).toContain("release checklist echo"), 30_000);
    expect(await first.locator("mark").first().textContent()).toMatch(/tower|echo|ok/i);
    await first.click();
    await page.waitForURL(new RegExp(`/sessions/${echoId}#seq-\\d+$`));
    const seq = Number(page.url().split("#seq-")[1]);
    // The matching event's row is rendered and on screen.
    expect(seq).toBeGreaterThan(0);
    const row = page.locator(".transcript [data-target]");
    await row.waitFor();
    const box = (await row.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeLessThan(DESKTOP.viewport.height);
    await context.close();
  });

  it("finds a session by meaning, not only by its words", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/search?mode=semantic`);
    await page.getByLabel("Search sessions").fill("release checklist");
    const results = page.getByRole("list", { name: "Search results" });
    await eventually(async () => expect(await results.textContent()).toContain("release checklist echo"), 30_000);
    await context.close();
  });

  it("shows what was solved before while a new prompt is typed, and opens it", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.keyboard.press("c");
    await page.getByRole("textbox", { name: /^Prompt/ }).fill("run echo for the release checklist again");
    const panel = page.getByRole("complementary", { name: "Solved before" });
    await eventually(async () => expect(await panel.textContent()).toContain("release checklist echo"), 30_000);
    expect(await panel.locator(`[data-session="${echoId}"] [data-status]`).getAttribute("data-status")).toBe("completed");
    await panel.getByRole("link", { name: "release checklist echo" }).click();
    await page.waitForURL(`${t.url}/sessions/${echoId}`);
    await context.close();
  });
});
