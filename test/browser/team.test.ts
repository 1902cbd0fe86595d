/**
 * The team screens in the browser: an invitation link creates a member who lands signed in; roles
 * change; a session is shared with the newcomer, who then sees it; tokens are created (secret shown
 * once) and revoked; the audit log verifies and filters; a machine's launch policy is narrowed.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { createApiClient } from "../../worker/client";
import type { Tower } from "../e2e/harness";
import { DESKTOP, eventually, PHONE, signedInPage, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;

towerAndBrowser({ agent: false }, (started) => ({ t, browser } = started));

describe("security: account identity in the browser", () => {
  it("a sign-in link opened in a signed-in browser asks before switching accounts", async () => {
    const { code } = await t.client.createInvitation({ role: "member" });
    const anonymous = createApiClient({ baseUrl: t.url, token: "" });
    const other = await anonymous.acceptInvitation({ code, name: "Olga Other", email: `olga-${Date.now()}@example.com` });
    const admin = await signedInPage(browser, t, DESKTOP);
    const whoAmI = async () => (await admin.page.evaluate(async () => (await (await fetch("/api/me")).json()) as { user: { name: string } })).user.name;
    const adminName = await whoAmI();

    await admin.page.goto(`${t.url}/signin#token=${encodeURIComponent(other.token)}`);
    await admin.page.getByRole("heading", { name: "Switch account?" }).waitFor();
    expect(await whoAmI()).toBe(adminName);
    await admin.page.getByRole("button", { name: /^Stay signed in/ }).click();
    await admin.page.waitForURL(`${t.url}/sessions`);
    expect(await whoAmI()).toBe(adminName);

    await admin.page.goto(`${t.url}/signin#token=${encodeURIComponent(other.token)}`);
    await admin.page.getByRole("button", { name: "Switch to the link's account" }).click();
    await admin.page.waitForURL(`${t.url}/sessions`);
    await eventually(async () => (await whoAmI()) === "Olga Other");
    await admin.context.close();
  });
});

describe("team screens", () => {
  it("an invitation link signs a newcomer in; a shared session becomes visible to them; roles change", async () => {
    const admin = await signedInPage(browser, t, DESKTOP);
    const secret = await t.client.createSession({ prompt: "just say hi", cwd: t.workDir, title: "admin's own session" });
    await admin.page.getByRole("link", { name: "Settings" }).click();
    await admin.page.getByRole("button", { name: "Create invitation link" }).click();
    const link = (await admin.page.getByTestId("invitation-link").textContent())!;
    expect(link).toMatch(new RegExp(`^${t.url}/join#`));

    const newcomer = await browser.newContext({ viewport: PHONE.viewport, isMobile: true, hasTouch: true, serviceWorkers: "block" });
    const page = await newcomer.newPage();
    await page.goto(link);
    await page.getByLabel("Your name").fill("Nia Newcomer");
    await page.getByLabel("Email").fill("nia@example.com");
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(`${t.url}/sessions`);
    await page.getByText("No sessions yet").waitFor();

    // The admin sees the new member, and shares a session with them as a collaborator.
    await admin.page.reload();
    const row = admin.page.locator("tr", { hasText: "Nia Newcomer" });
    await row.waitFor();
    await admin.page.goto(`${t.url}/sessions/${secret.id}`);
    await admin.page.getByRole("button", { name: "Share…" }).click();
    const panel = admin.page.getByRole("region", { name: "Sharing and handoff" });
    await panel.getByLabel("Share with").selectOption({ label: "Nia Newcomer" });
    await panel.getByLabel("Access").selectOption("collaborator");
    await panel.getByRole("button", { name: "Share", exact: true }).click();
    await panel.getByRole("list", { name: "Shared with" }).getByText("Nia Newcomer — collaborator").waitFor();

    await page.reload();
    await page.locator(`tr[data-session="${secret.id}"]`).waitFor();

    // Roles: the admin makes the newcomer a viewer; the audit log records it.
    await admin.page.goto(`${t.url}/settings/members`);
    await admin.page.getByLabel("Role of Nia Newcomer").selectOption("viewer");
    await admin.page.getByText("Nia Newcomer is now viewer").waitFor();
    const { members } = await t.client.listMembers();
    expect(members.find((m) => m.name === "Nia Newcomer")?.role).toBe("viewer");
    await newcomer.close();
    await admin.context.close();
  });

  it("tokens: created with the secret shown once, then revoked", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/settings/tokens`);
    await page.getByLabel("Token name").fill("ci-runner");
    await page.getByLabel("Scope").selectOption("read");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = (await page.getByTestId("token-secret").textContent())!;
    const client = (await import("../../worker/client")).createApiClient({ baseUrl: t.url, token: secret });
    expect((await client.listSessions()).sessions).toBeDefined();
    page.on("dialog", (d) => void d.accept());
    await page.locator("tr", { hasText: "ci-runner" }).getByRole("button", { name: "Revoke" }).click();
    await page.locator("tr", { hasText: "ci-runner" }).getByText("revoked").waitFor();
    await expect(client.listSessions()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await context.close();
  });

  it("audit log: the chain verifies, and entries filter by action", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.goto(`${t.url}/settings/audit`);
    await page.getByRole("table", { name: "Audit entries" }).waitFor();
    await page.getByRole("button", { name: "Verify the chain" }).click();
    expect(await page.getByTestId("audit-verification").textContent()).toMatch(/^Intact: all \d+ entries chain correctly\.$/);
    await page.getByLabel("Action").fill("member.role");
    await eventually(async () => {
      const actions = await page.locator("table[aria-label='Audit entries'] tbody tr td:nth-child(3) code").allTextContents();
      expect(actions.length).toBeGreaterThan(0);
      expect(new Set(actions)).toEqual(new Set(["member.role"]));
    });
    await context.close();
  });

  it("a machine's owner or an admin narrows who may launch on it", async () => {
    const { context, page } = await signedInPage(browser, t, DESKTOP);
    await page.keyboard.press("g");
    await page.keyboard.press("m");
    await page.getByRole("button", { name: `Change who may launch on ${t.agentName}` }).click();
    const form = page.getByRole("form", { name: `Who may launch on ${t.agentName}` });
    await form.getByLabel("Every member who may launch").uncheck();
    await form.getByLabel("Nia Newcomer").check();
    await form.getByRole("button", { name: "Save" }).click();
    await page.locator(`tr[data-agent]`, { hasText: t.agentName }).getByText("1 chosen").waitFor();
    const agent = (await t.client.listAgents()).agents.find((a) => a.name === t.agentName)!;
    expect(agent.allowedUsers).toHaveLength(1);
    await context.close();
  });
});
