/**
 * Browser side of the tests: one Chromium per file, and signed-in pages at the two sizes the app is
 * built for (a 1280×800 laptop and a 390×844 phone). Signing in goes through the same link that
 * `npm start` prints (`/signin#token=…`), which leaves an HttpOnly cookie in the context.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startTower, type AgentOptions, type Tower } from "../e2e/harness";
import { findChromium } from "./chromium";

export const DESKTOP = { name: "desktop 1280×800", viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false } as const;
export const PHONE = { name: "phone 390×844", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
export type Device = typeof DESKTOP | typeof PHONE;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/**
 * One Tower (with a local agent unless `agent: false`) and one Chromium for a test file: started before its tests,
 * closed after them. `setup` runs once the agent is up and before the browser starts; `ready` hands both to the
 * file's own variables, so its tests read `t` and `browser` as before.
 */
export function towerAndBrowser(
  opts: { tower?: Parameters<typeof startTower>[0]; agent?: AgentOptions | false; setup?: (t: Tower) => Promise<void> },
  ready: (started: { t: Tower; browser: Browser }) => void,
): void {
  let t: Tower | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    t = await startTower(opts.tower);
    if (opts.agent !== false) await t.startAgent(opts.agent);
    await opts.setup?.(t);
    browser = await launchBrowser();
    ready({ t, browser });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
}

export async function signedInPage(
  browser: Browser,
  t: Tower,
  device: Device = DESKTOP,
  token = t.adminToken,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.hasTouch, serviceWorkers: "block" });
  const page = await context.newPage();
  await page.goto(`${t.url}/signin#token=${encodeURIComponent(token)}`);
  await page.waitForURL(`${t.url}/sessions`);
  await page.getByTestId("connection").filter({ hasText: "live" }).waitFor();
  return { context, page };
}

/** Retries an assertion until it holds (the page is live: things arrive when they arrive), bounded. */
export async function eventually<T>(check: () => Promise<T>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** True when the element's box lies within the viewport (what a person would see). */
export async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight + 1 && r.height > 0;
  }, selector);
}
