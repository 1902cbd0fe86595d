/**
 * Streaming and notifications in the browser: Claude's text appears as it is written and is then
 * replaced by the stored message; the tab's title and favicon count the approvals that wait; the
 * inbox card says how long a request waited, when it expires and on which machine; "Edit input…"
 * checks the JSON as it is typed.
 */
import { readFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitForStatus, type Tower } from "../e2e/harness";
import { STORY } from "../fixtures/fake-messages-api";
import { DESKTOP, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({}, (started) => ({ t, browser } = started));

async function freshDir(name: string): Promise<string> {
  const dir = join(t.workDir, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe("streaming and notifications", () => {
  it("shows Claude's text while it is written, then the stored message in its place", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    // Every text the streaming row shows, in order (a MutationObserver in the page).
    await page.addInitScript(() => {
      const w = window as unknown as { __streamed: string[] };
      w.__streamed = [];
      new MutationObserver(() => {
        const text = document.querySelector(".msg.streaming")?.textContent ?? "";
        if (text && w.__streamed.at(-1) !== text) w.__streamed.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const s = await t.client.createSession({ prompt: "tell a story", cwd: await freshDir("story"), title: "a story" });
    await page.goto(`${t.url}/sessions/${s.id}`);
    await page.locator(".session-head [data-status=completed]").waitFor({ timeout: 45_000 });
    const streamed = await page.evaluate(() => (window as unknown as { __streamed: string[] }).__streamed);
    // Several growing pieces of the story were on screen before the whole of it.
    expect(streamed.length).toBeGreaterThanOrEqual(3);
    for (const text of streamed) expect(STORY.startsWith(text.trim())).toBe(true);
    expect(streamed.at(-1)!.trim().length).toBeLessThan(STORY.length);
    expect(await page.locator(".msg.streaming").count()).toBe(0);
    expect(await page.locator(".msg.assistant").filter({ hasText: STORY }).count()).toBe(1);
    await context.close();
  });

  it("renders the transcript's markdown as elements with the runtime that ships (Preact), one wrapper per message", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    const prompt = "tell a story about **bold** words and `inline code`\n\n- first\n- second";
    const s = await t.client.createSession({ prompt, cwd: await freshDir("markdown"), title: "markdown" });
    await page.goto(`${t.url}/sessions/${s.id}`);
    const md = page.locator(".msg.prompt .md");
    await md.locator("strong").first().waitFor();
    expect(await md.locator("strong").first().textContent()).toBe("bold");
    expect(await md.locator("code").first().textContent()).toBe("inline code");
    expect(await md.locator("li").allTextContents()).toEqual(["first", "second"]);
    // The blocks sit directly in .md (markdown-to-jsx adds no wrapper of its own).
    expect(await md.locator(":scope > p").count()).toBe(1);
    expect(await md.locator(":scope > ul").count()).toBe(1);
    await context.close();
  });

  it("counts waiting approvals in the tab title and favicon; the card says its age, expiry and machine; Edit input checks JSON as typed", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/approvals`);
    await page.getByText("Nothing is waiting for you").waitFor();
    expect(await page.title()).toBe("Tower");
    const cwd = await freshDir("edit");
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "edit me" });
    const card = page.getByRole("article", { name: "Approval: Write in edit me" });
    await card.waitFor();
    await page.waitForFunction(() => document.title === "(1) Tower");
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toMatch(/^data:image\/svg\+xml,/);
    const meta = (await card.locator(".approval-meta").textContent()) ?? "";
    expect(meta).toMatch(/asked \d+s ago · expires in \d+(m|h)/);
    expect(meta).toContain(`on ${t.agentName}`);

    await card.getByRole("button", { name: "Edit input…" }).click();
    const editor = card.getByLabel("Tool input (JSON)");
    expect(await editor.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
    const approveEdited = card.getByRole("button", { name: "Approve edited" });
    await editor.fill(`{\n  "file_path": "${join(cwd, "hello.txt")}",\n  "content": "edited"\n  "x": 1\n}`);
    await card.getByText("Line 4, column 3: expected ',' or '}'").waitFor();
    expect(await approveEdited.isDisabled()).toBe(true);
    await editor.fill(`{\n  "file_path": "${join(cwd, "hello.txt")}",\n  "content": "edited\\n"\n}`);
    await card.getByText("Valid JSON.").waitFor();
    await approveEdited.click();
    await waitForStatus(t, s.id, "completed");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("edited\n");
    await page.waitForFunction(() => document.title === "Tower");
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("/icon.svg");
    await context.close();
  });
});
