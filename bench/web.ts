/**
 * Web figures for `npm run bench`: how long an agent's event takes to appear in the DOM of a viewer
 * page (Chromium via playwright-core, on the session view), and how much JavaScript the app's first
 * load costs, gzipped (bench/first-load.ts). The page reports each event through an exposed binding, so the figure
 * includes that hop too (it errs on the slow side).
 */
import { chromium } from "playwright-core";
import { findChromium } from "../test/browser/chromium";
import { stats, type JsonSocket, type Stats } from "./lib";

export { firstLoadJs } from "./first-load";

export async function eventToDom(opts: { url: string; adminToken: string; sessionId: string; agent: JsonSocket; n: number }): Promise<Stats> {
  const browser = await chromium.launch({ executablePath: findChromium(), args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: "block" });
    const page = await context.newPage();
    await page.goto(`${opts.url}/signin#token=${encodeURIComponent(opts.adminToken)}`);
    await page.waitForURL(`${opts.url}/sessions`);
    await page.goto(`${opts.url}/sessions/${opts.sessionId}`);
    await page.locator(".transcript").waitFor();

    const waiting = new Map<string, () => void>();
    await page.exposeBinding("__benchSeen", (_source, marker: string) => waiting.get(marker)?.());
    await page.evaluate(() => {
      const seen = new Set<string>();
      const report = (window as unknown as { __benchSeen(m: string): void }).__benchSeen;
      new MutationObserver((records) => {
        for (const r of records) {
          for (const node of Array.from(r.addedNodes)) {
            for (const m of (node.textContent ?? "").matchAll(/bench-marker-\d+/g)) {
              if (!seen.has(m[0])) {
                seen.add(m[0]);
                report(m[0]);
              }
            }
          }
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });

    const samples: number[] = [];
    for (let i = 0; i < opts.n; i++) {
      const marker = `bench-marker-${i}`;
      const shown = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${marker} never appeared in the page`)), 10_000);
        waiting.set(marker, () => (clearTimeout(timer), resolve()));
      });
      const t0 = performance.now();
      opts.agent.send({
        type: "agent-events",
        events: [
          {
            id: `web-${Date.now().toString(36)}-${i}`,
            at: Date.now(),
            event: {
              type: "sdk-message",
              message: { type: "assistant", parent_tool_use_id: null, message: { role: "assistant", content: [{ type: "text", text: `${marker} arrived` }] } },
            },
          },
        ],
      });
      await shown;
      samples.push(performance.now() - t0);
      waiting.delete(marker);
      opts.agent.drain();
      await new Promise((r) => setTimeout(r, 20));
    }
    return stats(samples);
  } finally {
    await browser.close();
  }
}
