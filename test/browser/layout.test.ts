/**
 * Layout on the two screens the app is built for: every route (read from the router, so a new route
 * must be added here) fits a 390 px phone and a 1280 px laptop with no sideways scroll and passes an
 * axe-core scan; the session view puts the pending approval on a phone's first screen and gives the
 * transcript the height; dialogs and editors are the app's own. Screenshots land in
 * test-results/screenshots/ for a reviewer.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { PROJECT_ROOT } from "../../agent/up/local-server";
import { waitForStatus, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, PHONE, signedInPage, type Device, towerAndBrowser } from "./browser";

const SHOTS = join(PROJECT_ROOT, "test-results", "screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let t: Tower;
let browser: Browser;
let approvalSession: string;
let doneSession: string;
let runId: string;

towerAndBrowser({ setup: fixtures }, (started) => ({ t, browser } = started));

async function fixtures(t: Tower): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await t.client.importTemplate(
    `name: greet\ndescription: Say hi to someone\nprompt: just say hi to {{who}}\nparams:\n  - name: who\n    type: string\ncwd: ${t.workDir}\n`,
  );
  const run = await t.client.startPipelineRun({
    yaml: `name: two-steps\nsteps:\n  first:\n    prompt: just say hi (first)\n    cwd: ${t.workDir}\n  second:\n    needs: first\n    prompt: "just say hi after {{steps.first.result}}"\n    cwd: ${t.workDir}\n`,
    params: {},
  });
  runId = run.id;
  const done = await t.client.createSession({
    prompt: "just say hi",
    cwd: t.workDir,
    title: "a finished session with a rather long title to see how it wraps",
  });
  doneSession = (await waitForStatus(t, done.id, "completed")).id;
  const waiting = await t.client.createSession({ prompt: "write hello.txt", cwd: join(t.workDir), title: "waiting for approval" });
  approvalSession = (await waitForStatus(t, waiting.id, "waiting_for_approval")).id;
  await t.client.createToken({ name: "a token with a long name for the table" });
}

/** Every route of the app: the shell's route table (web/src/routes.tsx) and the settings tabs' `<Route path=…>`. */
function routerPaths(): string[] {
  const paths = new Set<string>();
  const routes = readFileSync(join(PROJECT_ROOT, "web/src/routes.tsx"), "utf8");
  const start = routes.indexOf("export const SHELL_ROUTES");
  const table = routes.slice(start, routes.indexOf("\n];", start));
  for (const m of table.matchAll(/\bpath: "([^"]+)"|\bplain\("([^"]+)"/g)) paths.add((m[1] ?? m[2])!);
  const settings = readFileSync(join(PROJECT_ROOT, "web/src/views/settings/index.tsx"), "utf8");
  for (const m of settings.matchAll(/<Route path="([^"]+)"/g)) paths.add(m[1]!);
  return [...paths];
}

interface Screen {
  url: () => string;
  /** Something that shows the route has rendered its data. */
  ready: string;
}
const SCREENS: Record<string, Screen> = {
  "/sessions": { url: () => "/sessions", ready: "tr[data-session]" },
  "/sessions/:id": { url: () => `/sessions/${approvalSession}`, ready: ".pending-approvals article.approval.pending" },
  "/approvals": { url: () => "/approvals", ready: "article.approval.pending" },
  "/machines": { url: () => "/machines", ready: "main tr[data-agent]" },
  "/search": { url: () => "/search", ready: "main h1, main input" },
  "/new": { url: () => "/new", ready: "main form" },
  "/device": { url: () => "/device", ready: "#device-h" },
  "/templates": { url: () => "/templates", ready: "tr[data-template]" },
  "/templates/:name": { url: () => "/templates/greet", ready: "#template-h" },
  "/pipelines": { url: () => "/pipelines", ready: "tr[data-run]" },
  "/pipelines/:id": { url: () => `/pipelines/${runId}`, ready: "[data-step]" },
  "/settings": { url: () => "/settings", ready: "main table, main h1" },
  "/settings/*": { url: () => "/settings/tokens", ready: "main table" },
  "/settings/members": { url: () => "/settings/members", ready: "main table" },
  "/settings/tokens": { url: () => "/settings/tokens", ready: "main table" },
  "/settings/audit": { url: () => "/settings/audit", ready: 'table[aria-label="Audit entries"]' },
  "/settings/sso": { url: () => "/settings/sso", ready: "main h1" },
  "/settings/rules": { url: () => "/settings/rules", ready: '[data-testid="rules-check"]' },
  "/settings/notifications": {
    url: () => "/settings/notifications",
    ready: 'section[aria-labelledby="notifications-h"] .empty, ul[aria-label="Push devices"]',
  },
  "/settings/keys": { url: () => "/settings/keys", ready: 'section[aria-labelledby="keys-h"] .empty, table[aria-label="Device keys"]' },
  "/": { url: () => "/", ready: "tr[data-session]" },
};

/** The page's width against the window's, and (when wider) the outermost elements that stick out, to name the culprit. */
async function sideways(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const { scrollWidth, clientWidth } = document.documentElement;
    const culprits: string[] = [];
    if (scrollWidth > clientWidth) {
      for (const el of Array.from(document.body.querySelectorAll("*"))) {
        const r = el.getBoundingClientRect();
        const parent = el.parentElement?.getBoundingClientRect();
        if (r.right > clientWidth + 1 && (!parent || parent.right <= clientWidth + 1))
          culprits.push(
            `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""} (right ${Math.round(r.right)}): ${el.outerHTML.slice(0, 100)}`,
          );
        if (culprits.length >= 5) break;
      }
    }
    return { scrollWidth, clientWidth, culprits };
  });
}

interface Violation {
  id: string;
  impact: string;
  nodes: string[];
}
async function axeViolations(page: Page): Promise<Violation[]> {
  // The app's CSP (script-src 'self') refuses an injected <script>; evaluating the source over the
  // DevTools protocol is not subject to it and leaves the page's own policy as it ships.
  await page.evaluate(AXE_SOURCE);
  const { ran, violations } = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
          ): Promise<{ passes: unknown[]; violations: { id: string; impact?: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run(document);
    return {
      ran: r.passes.length,
      violations: r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({ id: v.id, impact: v.impact!, nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`) })),
    };
  });
  // A scan that checked nothing would pass anything.
  expect(ran).toBeGreaterThan(10);
  return violations;
}

/** Every page width measured (scrollWidth/clientWidth), printed at the end for the record. */
const widths: string[] = [];
afterAll(() => console.log(`page widths (scrollWidth/clientWidth):\n${widths.join("\n")}`));

/** Fits, passes the scan, and leaves a screenshot. */
async function check(page: Page, device: Device, name: string): Promise<void> {
  const file = `${device === PHONE ? "phone" : "desktop"}-${name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "root"}.png`;
  await page.screenshot({ path: join(SHOTS, file), fullPage: true });
  const w = await sideways(page);
  widths.push(`${device === PHONE ? "phone" : "desktop"} ${name}: ${w.scrollWidth}/${w.clientWidth}`);
  expect(
    w.scrollWidth,
    `${name} at ${device.name}: ${w.scrollWidth} px wide in a ${w.clientWidth} px window; sticking out: ${w.culprits.join(", ")}`,
  ).toBeLessThanOrEqual(w.clientWidth);
  const found = (await axeViolations(page)).map((v) => `${v.id} (${v.impact}): ${v.nodes.join(" | ")}`);
  expect(found, `${name} at ${device.name}: ${found.join("; ")}`).toEqual([]);
}

describe("every route has a screen to check", () => {
  it("lists a URL for each route in the router", () => {
    expect(routerPaths().filter((p) => !SCREENS[p])).toEqual([]);
  });
});

for (const device of [PHONE, DESKTOP]) {
  describe(`every route at ${device.name}`, () => {
    it("fits the width with no sideways scroll and no serious accessibility violations", async () => {
      const { context, page } = await signedInPage(browser, t, device);
      const failures: string[] = [];
      for (const path of routerPaths()) {
        const screen = SCREENS[path]!;
        await page.goto(`${t.url}${screen.url()}`);
        await page.locator(screen.ready).first().waitFor();
        await page.getByTestId("connection").filter({ hasText: "live" }).waitFor();
        try {
          await check(page, device, path);
        } catch (e) {
          failures.push(`${path}: ${(e as Error).message}`);
        }
      }
      // The `?` panel, the palette and an unknown address are screens too.
      await page.goto(`${t.url}/sessions`);
      await page.locator("tr[data-session]").first().waitFor();
      await page.keyboard.press("?");
      await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
      await check(page, device, "help-dialog").catch((e: Error) => failures.push(`? dialog: ${e.message}`));
      const close = await page.getByRole("dialog", { name: "Keyboard shortcuts" }).getByRole("button", { name: "Close" }).boundingBox();
      if (!close || close.x + close.width > device.viewport.width) failures.push("? dialog: its Close button is off screen");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+k");
      await page.getByRole("dialog", { name: "Command palette" }).waitFor();
      await check(page, device, "command-palette").catch((e: Error) => failures.push(`palette: ${e.message}`));
      await page.keyboard.press("Escape");
      await page.goto(`${t.url}/nowhere`);
      await page.getByText("Nothing here").waitFor();
      await check(page, device, "not-found").catch((e: Error) => failures.push(`/nowhere: ${e.message}`));
      await context.close();

      const anonymous = await browser.newContext({ viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.hasTouch, serviceWorkers: "block" });
      const signin = await anonymous.newPage();
      await signin.goto(`${t.url}/signin`);
      await signin.locator("main h1, h1").first().waitFor();
      await check(signin, device, "signin").catch((e: Error) => failures.push(`/signin: ${e.message}`));
      await anonymous.close();
      expect(failures).toEqual([]);
    });

    it("draws the pipeline's dependency edges between its steps", async () => {
      const { context, page } = await signedInPage(browser, t, device);
      await page.goto(`${t.url}/pipelines/${runId}`);
      await page.locator('[data-step="second"]').waitFor();
      const edges = page.locator(".graph svg [data-edge]");
      await eventually(async () => expect(await edges.count()).toBe(1));
      expect(await edges.first().getAttribute("data-edge")).toBe("first→second");
      // The line runs from the first step's box to the second's.
      const [line, first, second] = await Promise.all([
        edges.first().boundingBox(),
        page.locator('[data-step="first"]').boundingBox(),
        page.locator('[data-step="second"]').boundingBox(),
      ]);
      expect(line && first && second).toBeTruthy();
      const touches = (box: { x: number; y: number; width: number; height: number }) =>
        [line!.x, line!.x + line!.width].some((x) => x >= box.x - 24 && x <= box.x + box.width + 24) &&
        [line!.y, line!.y + line!.height].some((y) => y >= box.y - 24 && y <= box.y + box.height + 24);
      expect(touches(first!) && touches(second!), JSON.stringify({ line, first, second })).toBe(true);
      await context.close();
    });
  });
}

describe("the session view on a phone", () => {
  it("shows the pending approval's Approve button on the first screen", async () => {
    const { context, page } = await signedInPage(browser, t, PHONE);
    await page.goto(`${t.url}/sessions/${approvalSession}`);
    const approve = page.locator(".pending-approvals").getByRole("button", { name: "Approve", exact: true });
    await approve.waitFor();
    const box = (await approve.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.viewport.height);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.viewport.width);
    // The conversation starts on the first screen too.
    const log = (await page.getByRole("log", { name: "Conversation" }).boundingBox())!;
    expect(log.y).toBeLessThan(PHONE.viewport.height - 120);
    await context.close();
  });

  it("keeps the session's actions behind ⋯, and its panels and dialogs fit the screen", async () => {
    const { context, page } = await signedInPage(browser, t, PHONE);
    await page.goto(`${t.url}/sessions/${doneSession}`);
    const share = page.getByRole("button", { name: "Share…" });
    await page.getByRole("button", { name: "More actions" }).waitFor();
    expect(await share.isVisible()).toBe(false);
    await page.getByRole("button", { name: "More actions" }).tap();
    await check(page, PHONE, "session-actions-menu");
    await share.tap();
    await page.getByRole("region", { name: "Sharing and handoff" }).waitFor();
    await check(page, PHONE, "session-share-sheet");
    await page.getByRole("button", { name: "Close panels" }).tap();
    await page.getByRole("button", { name: "More actions" }).tap();
    await page.getByRole("button", { name: "Save as template…" }).tap();
    await page.getByRole("dialog", { name: "Save as template" }).waitFor();
    await check(page, PHONE, "save-as-template-dialog");
    await context.close();
  });

  it("reaches every main destination from the phone's own navigation, with the approvals count", async () => {
    const { context, page } = await signedInPage(browser, t, PHONE);
    const bar = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Sessions", "Approvals", "Search"]) expect(await bar.getByRole("link", { name: new RegExp(`^${name}`) }).isVisible()).toBe(true);
    expect(await bar.getByRole("link", { name: /^Approvals/ }).textContent()).toContain("1");
    for (const [name, url] of [
      ["Machines", /\/machines$/],
      ["Templates", /\/templates$/],
      ["Pipelines", /\/pipelines$/],
      ["Settings", /\/settings/],
    ] as const) {
      await bar.getByRole("button", { name: "More" }).tap();
      if (name === "Machines") await check(page, PHONE, "more-sheet");
      await page.getByRole("dialog", { name: "More" }).getByRole("link", { name }).tap();
      await page.waitForURL(url);
      expect(await page.getByRole("dialog", { name: "More" }).count()).toBe(0);
    }
    await context.close();
  });
});

describe("the session view on a laptop", () => {
  async function transcriptBox(page: Page) {
    return (await page.getByRole("log", { name: "Conversation" }).boundingBox())!;
  }
  it("gives the transcript the height, and Share and Solved before open beside it without squeezing it", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/sessions/${doneSession}`);
    await page.getByRole("log", { name: "Conversation" }).getByText("Hi! Nothing to do.").first().waitFor();
    const plain = await transcriptBox(page);
    expect(plain.height).toBeGreaterThanOrEqual(0.65 * DESKTOP.viewport.height);
    await page.getByRole("button", { name: "Share…" }).click();
    await page.getByRole("button", { name: "Solved before" }).click();
    await page.locator(".solved-before").waitFor();
    await check(page, DESKTOP, "session-with-side-panels");
    const open = await transcriptBox(page);
    expect(open.height).toBeGreaterThanOrEqual(0.65 * DESKTOP.viewport.height);
    expect(open.width).toBeGreaterThanOrEqual(600);
    await context.close();
  });

  it("saves a session as a template through the app's own dialog, checking the name", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    const native: string[] = [];
    page.on("dialog", (d) => {
      native.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${t.url}/sessions/${doneSession}`);
    await page.getByRole("button", { name: "Save as template…" }).click();
    const dialog = page.getByRole("dialog", { name: "Save as template" });
    await dialog.waitFor();
    const name = dialog.getByRole("textbox", { name: /Template name/ });
    const save = dialog.getByRole("button", { name: "Save", exact: true });
    await name.fill("Not A Name");
    await dialog.getByText(/Not a valid name/).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await name.fill("from-the-dialog");
    await eventually(async () => expect(await save.isDisabled()).toBe(false));
    await check(page, DESKTOP, "save-as-template-dialog");
    await save.click();
    await page.waitForURL(/\/templates\/from-the-dialog$/);
    expect(native).toEqual([]);
    await context.close();
  });

  it("edits YAML in a monospace editor with line numbers that follow the text", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/pipelines`);
    await page.getByRole("button", { name: "Run a pipeline…" }).click();
    const yaml = page.getByLabel("Pipeline YAML");
    expect(await yaml.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
    const lines = Array.from({ length: 40 }, (_, i) => `# line ${i + 1}`).join("\n");
    await yaml.fill(lines);
    const gutter = page.getByTestId("line-numbers").first();
    await eventually(async () => expect((await gutter.textContent())?.trim().split(/\s+/).at(-1)).toBe("40"));
    await yaml.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
      el.dispatchEvent(new Event("scroll"));
    });
    await eventually(async () => {
      const [a, b] = await Promise.all([yaml.evaluate((el) => el.scrollTop), gutter.evaluate((el) => el.scrollTop)]);
      expect(a).toBeGreaterThan(0);
      expect(b).toBe(a);
    });
    await check(page, DESKTOP, "pipeline-yaml-editor");
    await page.goto(`${t.url}/templates`);
    await page.getByRole("button", { name: "Import YAML…" }).click();
    expect(await page.getByLabel(/Template YAML/).evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
    await context.close();
  });
});
