/**
 * Templates and pipelines in the browser: import a template from YAML, launch it through the form
 * generated from its parameters (checked as you type), and run a pipeline from YAML — a cycle is
 * refused with the cycle named, a good one runs with its graph updating live.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitForStatus, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({}, (started) => ({ t, browser } = started));

describe("templates and pipelines", () => {
  it("imports a template, checks its parameters as you type, and launches it", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.keyboard.press("g");
    await page.keyboard.press("t");
    await page.waitForURL(/\/templates$/);
    await page.getByRole("button", { name: "Import YAML…" }).click();
    await page
      .getByLabel(/Template YAML/)
      .fill(`name: greet\ndescription: Say hi to someone\nprompt: just say hi to {{who}}\nparams:\n  - name: who\n    type: string\ncwd: ${t.workDir}\n`);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.locator('tr[data-template="greet"]').click();
    await page.waitForURL(/\/templates\/greet$/);
    const launch = page.getByRole("button", { name: /^Launch v1/ });
    await page.getByText("who is required").waitFor();
    expect(await launch.isDisabled()).toBe(true);
    await page.getByRole("textbox", { name: /^who/ }).fill("the team");
    await eventually(async () => expect(await launch.isDisabled()).toBe(false));
    await launch.click();
    await page.waitForURL(/\/sessions\/ses_/);
    const id = page.url().split("/").pop()!;
    const done = await waitForStatus(t, id, "completed");
    expect(done.prompt).toBe("just say hi to the team");
    await context.close();
  });

  it("refuses a cyclic pipeline naming the cycle, and runs a good one live", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/pipelines`);
    await page.getByRole("button", { name: "Run a pipeline…" }).click();
    const yaml = page.getByLabel("Pipeline YAML");
    await yaml.fill(`name: loop\nsteps:\n  a:\n    needs: b\n    prompt: just say hi\n  b:\n    needs: a\n    prompt: just say hi\n`);
    await page.getByRole("button", { name: "Validate" }).click();
    const message = page.getByTestId("pipeline-validation");
    await eventually(async () => expect(await message.textContent()).toMatch(/(a → b → a|b → a → b)/));

    await yaml.fill(
      `name: two-steps\nsteps:\n  first:\n    prompt: just say hi (first)\n    cwd: ${t.workDir}\n  second:\n    needs: first\n    prompt: "just say hi after {{steps.first.result}}"\n    cwd: ${t.workDir}\n`,
    );
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/pipelines\/[a-z]+_/);
    await page.getByRole("heading", { name: "two-steps" }).waitFor();
    // Both steps end up succeeded, in order, without a reload.
    await page.locator('[data-step="second"][data-status="succeeded"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-step="first"][data-status="succeeded"]').waitFor();
    await page.locator('.toolbar [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await context.close();
  });
});
