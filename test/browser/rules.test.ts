/**
 * Approval rules in the browser: the editor names the line and column of an error as it is typed and
 * saves a valid set as a new version; "Always allow…" on a phone shows the narrowest rule for the
 * call, adds it to the rule set once confirmed, and approves the call.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { Tower } from "../e2e/harness";
import { DESKTOP, eventually, PHONE, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({}, (started) => ({ t, browser } = started));

describe("approval rules in the browser", () => {
  it("the editor shows a line/column error for bad YAML and saves a valid set", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/settings/rules`);
    const editor = page.getByLabel("Rule set (YAML or JSON)");
    await editor.waitFor();
    const check = page.getByTestId("rules-check");
    await page.getByText("No rules yet").waitFor();

    await editor.fill("rules:\n  - decision: allow\n    tool: Read\n  - decision: maybe\n");
    await eventually(async () => expect(await check.textContent()).toContain("Line 4, column 5: rules.1.decision"));
    await editor.fill("rules:\n  - decision: allow\n    tool: [Read\n");
    await eventually(async () => expect(await check.textContent()).toMatch(/Line \d+, column \d+: .*YAML syntax/));
    expect(await page.getByRole("button", { name: "Save" }).isDisabled()).toBe(true);

    const valid = "# reads are safe\nrules:\n  - id: reads\n    decision: allow\n    tool: Read\n";
    await editor.fill(valid);
    await eventually(async () => expect(await check.textContent()).toContain("Valid: 1 rule."));
    await page.getByRole("button", { name: "Save" }).click();
    await eventually(async () => expect(await t.client.getRules()).toMatchObject({ version: 1, source: valid }));
    await page.getByRole("list", { name: "Rule versions" }).getByText("Version 1").waitFor();
    await context.close();
  });

  it('"Always allow…" on a 390×844 phone adds the narrowest rule and approves the call', async () => {
    const { context, page } = await signedInPage(browser, t, PHONE);
    const cwd = join(t.workDir, "always");
    await mkdir(cwd, { recursive: true });
    const before = await t.client.getRules();
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "always allow" });
    await page.goto(`${t.url}/approvals`);
    const card = page.locator("article.approval.pending");
    await card.waitFor();
    await card.getByRole("button", { name: "Always allow…" }).click();
    const proposed = card.getByTestId("proposed-rule");
    await eventually(async () => expect(await proposed.textContent()).toContain(`path: ${join(cwd, "hello.txt")}`));
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    await card.getByRole("button", { name: "Add rule and approve" }).click();
    await eventually(async () => expect((await t.client.getSession(s.id)).status).toBe("completed"), 45_000);
    expect(existsSync(join(cwd, "hello.txt"))).toBe(true);
    const after = await t.client.getRules();
    expect(after.version).toBe(before.version + 1);
    expect(after.ruleSet.rules.at(-1)).toMatchObject({ decision: "allow", tool: ["Write"], path: [join(cwd, "hello.txt")] });
    // The set it was added to is kept, comments included.
    expect(after.source).toContain("# reads are safe");
    await context.close();
  });
});
