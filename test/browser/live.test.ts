/**
 * The web app is live: approvals reach a second browser without reload and are decided by
 * keyboard; the status badge follows the session; a phone approves with one tap; and when the
 * server restarts the page says so, reconnects and catches up.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { waitForStatus, waitUntil, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, PHONE, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({}, (started) => ({ t, browser } = started));

async function freshDir(name: string): Promise<string> {
  const dir = join(t.workDir, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Records every text the session header's badge shows, in order (a MutationObserver in the page). */
async function recordBadge(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __badges: string[] };
    w.__badges = [];
    const read = () => {
      const text = document.querySelector(".session-head .badge")?.textContent ?? "";
      if (text && w.__badges.at(-1) !== text) w.__badges.push(text);
    };
    read();
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { __badges: string[] }).__badges);
}

describe("live in the browser", () => {
  it("an approval raised by the agent appears in a second browser context without reload and is decided by keyboard", async () => {
    const watcher = await signedInPage(browser, t, DESKTOP);
    const approver = await signedInPage(browser, t, DESKTOP);
    await approver.page.keyboard.press("g");
    await approver.page.keyboard.press("a");
    await approver.page.waitForURL(/\/approvals$/);
    await approver.page.getByText("Nothing is waiting for you").waitFor();

    const cwd = await freshDir("keyboard");
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "keyboard approval" });
    // The first context sees the session row turn `needs approval`; the second sees the card.
    await watcher.page.locator(`tr[data-session="${s.id}"] [data-status=waiting_for_approval]`).waitFor();
    const card = approver.page.locator("article.approval.pending");
    await card.waitFor();
    expect(await card.textContent()).toContain("Write");
    expect(await card.textContent()).toContain("keyboard approval");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    await approver.page.keyboard.press("a");
    await approver.page.getByText("Nothing is waiting for you").waitFor();
    await watcher.page.locator(`tr[data-session="${s.id}"] [data-status=completed]`).waitFor({ timeout: 45_000 });
    expect(existsSync(join(cwd, "hello.txt"))).toBe(true);
    await watcher.context.close();
    await approver.context.close();
  });

  it("a deny by keyboard asks for the comment Claude will read", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    const cwd = await freshDir("deny-keys");
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "keyboard deny" });
    await page.goto(`${t.url}/sessions/${s.id}`);
    await page.locator(".pending-approvals article.approval.pending").waitFor();
    await page.keyboard.press("d");
    const comment = page.getByLabel(/Why not\?/);
    await comment.waitFor();
    await comment.fill("not here, use notes.txt");
    await page.keyboard.press("Enter");
    await page.locator(".session-head [data-status=completed]").waitFor({ timeout: 45_000 });
    const approvals = (await t.client.listApprovals({ session: s.id, status: "all" })).approvals;
    expect(approvals[0]).toMatchObject({ status: "denied", comment: "not here, use notes.txt", via: "human" });
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    await context.close();
  });

  it("the status badge goes needs approval → running → completed live", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    const cwd = await freshDir("badge");
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "badge" });
    await page.goto(`${t.url}/sessions/${s.id}`);
    await page.locator(".session-head [data-status=waiting_for_approval]").waitFor();
    const badges = await recordBadge(page);
    await page.locator(".pending-approvals").getByRole("button", { name: "Approve", exact: true }).click();
    await page.locator(".session-head [data-status=completed]").waitFor({ timeout: 45_000 });
    const seen = await badges();
    expect(seen[0]).toContain("needs approval");
    expect(seen).toContain("running");
    expect(seen.at(-1)).toBe("completed");
    expect(seen.indexOf("running")).toBeLessThan(seen.indexOf("completed"));
    await context.close();
  });

  it("the phone viewport can approve with one tap", async () => {
    const { context, page } = await signedInPage(browser, t, PHONE);
    await page.goto(`${t.url}/approvals`);
    const cwd = await freshDir("phone");
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "from the phone" });
    const approve = page.getByRole("article", { name: "Approval: Write in from the phone" }).getByRole("button", { name: "Approve", exact: true });
    await approve.waitFor();
    // A comfortable target for a thumb, and no sideways scrolling on a 390 px screen.
    const box = (await approve.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= innerWidth)).toBe(true);
    await approve.tap();
    expect((await waitForStatus(t, s.id, "completed")).id).toBe(s.id);
    expect(existsSync(join(cwd, "hello.txt"))).toBe(true);
    await context.close();
  });

  it("the connection indicator shows reconnecting when the server restarts and the page catches up afterwards", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    const cwd = await freshDir("restart");
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "across a restart" });
    await page.goto(`${t.url}/sessions/${s.id}`);
    await page.locator(".session-head [data-status=waiting_for_approval]").waitFor();
    const indicator = page.getByTestId("connection");

    await t.stopServer();
    await eventually(async () => expect(await indicator.textContent()).toMatch(/reconnecting|offline/));
    await t.startServer();
    await eventually(async () => expect(await indicator.textContent()).toBe("live"), 30_000);
    // The agent reconnects too; decide from elsewhere, and the page catches up on what it missed.
    await waitUntil(async () => (await t.client.listAgents()).agents.some((a) => a.online), 30_000);
    const pending = (await t.client.listApprovals({ session: s.id })).approvals[0]!;
    await t.client.decide(pending.id, { decision: "approve", inputSha256: pending.inputSha256 }, s.id);
    await page.locator(".session-head [data-status=completed]").waitFor({ timeout: 45_000 });
    await page.getByRole("log", { name: "Conversation" }).getByText("Done.").first().waitFor();
    await context.close();
  });
});
