/**
 * The session view says what is true, as only a real run in a real browser shows it: a tool call that
 * waits for approval reads as waiting (who may decide, when it expires), tokens move before the run
 * ends, an interrupt reads "Interrupted by NAME" without Claude Code's diagnostics, and the connection
 * indicator trusts the socket when the browser thinks it is offline.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitForStatus, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({}, (started) => ({ t, browser } = started));

describe("say what is true", () => {
  it("a waiting tool call reads as waiting, tokens move before the run ends, and an interrupt names who did it", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    const cwd = join(t.workDir, "truth");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "truth" });
    await page.goto(`${t.url}/sessions/${s.id}`);
    const log = page.getByRole("log", { name: "Conversation" });

    const waiting = log.locator("[data-tool-state=waiting]");
    await waiting.waitFor();
    const text = (await waiting.textContent()) ?? "";
    expect(text).toContain("waiting for approval");
    expect(text).toContain("may decide");
    expect(text).toMatch(/expires in \d/);
    expect(await log.textContent()).not.toContain("running…");
    // The run has not ended, yet its tokens show (they used to stay 0 until the end).
    await eventually(async () => expect(await page.getByTestId("tokens").textContent()).not.toBe("0 in · 0 out"));

    const me = await t.client.me();
    const who = me.user?.email ?? me.user?.name ?? "";
    await t.client.interrupt(s.id);
    await waitForStatus(t, s.id, "interrupted");
    const result = log.locator("[data-outcome]").last();
    await result.waitFor();
    expect(await result.getAttribute("data-outcome")).toBe("interrupted");
    expect(await result.textContent()).toContain(`Interrupted by ${who}`);
    const page_ = (await page.locator("body").textContent()) ?? "";
    expect(page_).not.toContain("ede_diagnostic");
    expect(page_).not.toContain("Failed");
    await context.close();
  });

  it("shows live while the socket is open, even when the browser reports no network", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    // As on a laptop with no default route using a local Tower: navigator.onLine is false, the socket works.
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "onLine", { get: () => false }));
    await page.reload();
    await page.evaluate(() => dispatchEvent(new Event("offline")));
    const indicator = page.getByTestId("connection");
    await eventually(async () => expect(await indicator.textContent()).toBe("live"));
    await page.waitForTimeout(500);
    expect(await indicator.textContent()).toBe("live");
    await context.close();
  });
});
