/**
 * Passkeys in real Chromium (issue 14 §2): through a DevTools virtual authenticator (WebAuthn.enable +
 * addVirtualAuthenticator: ctap2, internal, resident key, user verification), a person registers a passkey
 * in Settings → Device keys, the machine's owner enrols it (`tower keys enrol`, with the owner's CLI
 * Ed25519 key the agent pins), the owner turns on "Require signed decisions" in the machines view, and the
 * Approve on the card is signed with the passkey. The server accepts it, the real agent verifies it and
 * runs the tool; the test also runs agent/verify-decision.ts on the proof the browser sent.
 * Settings also shows each key's pin with a copy button, so an owner whose only key is a passkey can pin it,
 * and enrols another person's key with that passkey, which the machine pinning it then believes.
 * The page is opened on `localhost`: WebAuthn refuses an IP address as RP ID.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { TrustStore } from "../../agent/daemon/trust";
import { verifyDecision } from "../../agent/verify-decision";
import { ownerPinOf, parseOwnerPin } from "../../worker/protocol/device-keys";
import { DecisionBody } from "../../worker/protocol/approval";
import { canonicalJson } from "../../worker/protocol/canonical-json";
import { createApiClient } from "../../worker/client";
import { waitForStatus, type Tower } from "../e2e/harness";
import { DESKTOP, eventually, towerAndBrowser } from "./browser";

let t: Tower;
let browser: Browser;
let configDir: string;
let owner: { keyId: string; publicKey: string };

const asOwner = (args: string[]) => t.cli(args, { env: { TOWER_CONFIG: join(configDir, "config.json") } });

towerAndBrowser(
  {
    agent: false,
    setup: async (started) => {
      t = started;
      configDir = join(t.workDir, "..", "owner-config");
      const added = await asOwner(["keys", "add", "--label", "owner laptop"]);
      expect(added.code, added.stderr).toBe(0);
      owner = JSON.parse(readFileSync(join(configDir, "device-key.json"), "utf8"));
      await t.startAgent({ args: ["--owner-key", owner.publicKey] });
    },
  },
  (started) => ({ t, browser } = started),
);

/** A signed-in page on `localhost` (WebAuthn refuses an IP as RP ID) with a virtual authenticator that verifies the user. */
async function passkeyPage(permissions: string[] = []) {
  const base = t.url.replace("127.0.0.1", "localhost");
  const context = await browser.newContext({ viewport: DESKTOP.viewport, serviceWorkers: "block" });
  if (permissions.length) await context.grantPermissions(permissions, { origin: base });
  const page = await context.newPage();
  await page.goto(`${base}/signin#token=${encodeURIComponent(t.adminToken)}`);
  await page.waitForURL(`${base}/sessions`);
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { base, context, page, cdp, authenticatorId };
}

/** Registers a passkey labelled `label` in Settings → Device keys, and returns it as the server lists it. */
async function registerIn(page: Awaited<ReturnType<typeof passkeyPage>>["page"], base: string, label: string) {
  await page.goto(`${base}/settings/keys`);
  await page.getByPlaceholder("label, e.g. laptop").fill(label);
  await page.getByRole("button", { name: "Register a passkey" }).click();
  const row = page.getByTestId("device-key").filter({ hasText: label });
  await row.waitFor();
  return { row, passkey: (await t.client.listKeys()).keys.find((k) => k.label === label)! };
}

describe("happy", () => {
  it("registers a passkey, signs an approve with it on a machine that requires signed decisions, and the agent verifies it", { timeout: 120_000 }, async () => {
    const { base, context, page, cdp, authenticatorId } = await passkeyPage();
    // Register the passkey in Settings → Device keys.
    const { passkey } = await registerIn(page, base, "chromium");
    expect(passkey).toMatchObject({ label: "chromium", webauthn: { rpId: "localhost", origin: base } });
    expect((await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials).toHaveLength(1);

    // The owner enrols it with the key the machine pins, and requires signed decisions on the machine.
    const enrolled = await asOwner(["keys", "enrol", passkey.id]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const agent = (await t.client.listAgents()).agents.find((a) => a.name === t.agentName)!;
    await page.goto(`${base}/machines`);
    // A controlled box: it shows checked once the server has saved the policy.
    const toggle = page.locator(`tr[data-agent="${agent.id}"]`).getByLabel("Require signed decisions");
    await toggle.click();
    await eventually(async () => expect(await toggle.isChecked()).toBe(true));
    await eventually(async () => expect((await t.client.listAgents()).agents.find((a) => a.id === agent.id)?.requireSignedDecisions).toBe(true));

    const cwd = join(t.workDir, "passkey");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "please write hello.txt", cwd, title: "passkey" });
    await page.goto(`${base}/sessions/${s.id}`);
    const sent = page.waitForRequest((r) => r.method() === "POST" && /\/approvals\/[^/]+\/decision|\/decide/.test(r.url()));
    await page.locator(".pending-approvals").getByRole("button", { name: "Approve", exact: true }).click();
    const body = DecisionBody.parse((await sent).postDataJSON());
    expect(body.signed?.signature).toMatchObject({ alg: "webauthn", keyId: passkey.id });

    // The server accepted it, and the machine verified it on its own pinned trust before running the tool.
    await waitForStatus(t, s.id, "completed");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(true);
    const approval = (await t.client.listApprovals({ session: s.id, status: "all" })).approvals[0]!;
    expect(approval).toMatchObject({ status: "approved", via: "human" });

    // The agent's check, run here on the same proof: it holds for the call as signed, and not for another input.
    const enrolment = (await t.client.listKeys()).keys.find((k) => k.id === passkey.id)!.enrolment;
    const proof = { decision: body.signed!, enrolment, revocations: [] };
    const ownerTrust = { owner: { keyId: owner.keyId, publicKey: owner.publicKey }, revoked: new Set<string>() };
    const held = { sessionId: s.id, toolUseId: approval.toolUseId, inputSha256: createHash("sha256").update(canonicalJson(approval.input)).digest("hex") };
    const check = (h: typeof held) => verifyDecision({ answer: { behavior: "allow" }, proof, held: h, trust: ownerTrust, agentId: agent.id, now: Date.now() });
    expect(await check(held)).toMatchObject({ ok: true });
    expect(await check({ ...held, inputSha256: "e".repeat(64) })).toMatchObject({ ok: false });
    await context.close();
  });

  it("shows a passkey's pin in Settings → Device keys with a copy button, and a machine pins its owner with it", { timeout: 60_000 }, async () => {
    const { base, context, page } = await passkeyPage(["clipboard-read", "clipboard-write"]);
    const { row, passkey } = await registerIn(page, base, "pin only");

    const shown = await row.getByTestId("key-pin").textContent();
    expect(shown).toBe(ownerPinOf(passkey));
    await row.getByRole("button", { name: `Copy the pin of ${passkey.id}` }).click();
    await eventually(async () => expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown));
    expect(parseOwnerPin(shown!)).toEqual({ alg: "webauthn", publicKey: passkey.publicKey, ...passkey.webauthn });

    // What the agent does with `--owner-key <pin>`: it pins the passkey, credential, RP ID and origin included.
    const pinned = TrustStore.open(await mkdtemp(join(tmpdir(), "pin-")), shown!);
    expect(pinned?.ownerKeyId).toBe(passkey.id);
    // A revoked key is no owner to pin: its row shows no pin.
    await t.client.revokeKey(passkey.id);
    await page.reload();
    await row.waitFor();
    expect(await row.getByTestId("key-pin").count()).toBe(0);
    await context.close();
  });

  it("lets an owner whose only key is a passkey enrol another person's CLI key in Settings, and the machine pinning the passkey runs that person's signed approve", {
    timeout: 120_000,
  }, async () => {
    const { base, context, page } = await passkeyPage();
    const { passkey } = await registerIn(page, base, "owner passkey");

    // A machine whose owner is that passkey, and nobody else's key: it requires signed decisions.
    await t.startAgent({ name: "passkey-owned", args: ["--owner-key", ownerPinOf(passkey)] });
    const machine = (await t.client.listAgents()).agents.find((a) => a.name === "passkey-owned")!;
    await t.client.setMachinePolicy(machine.id, { requireSignedDecisions: true });

    // Another person joins and makes a CLI key.
    const { code } = await t.client.createInvitation({ role: "member" });
    const member = await createApiClient({ baseUrl: t.url }).acceptInvitation({ code, name: "Paula Approver", email: `paula-${Date.now()}@example.com` });
    const memberEnv = { TOWER_CONFIG: join(t.workDir, "..", "member-config", "config.json") };
    const asMember = (args: string[]) => t.cli(args, { token: member.token, env: memberEnv });
    const added = await asMember(["keys", "add", "--label", "paula laptop"]);
    expect(added.code, added.stderr).toBe(0);
    const theirs = (await t.client.listKeys(true)).keys.find((k) => k.label === "paula laptop")!;

    // The owner enrols it from Settings: the row shows its fingerprint, and the passkey signs the enrolment.
    await page.reload();
    const row = page.getByTestId("other-key").filter({ hasText: theirs.id });
    await row.getByText("not yet").waitFor();
    expect(await row.locator("code").nth(1).textContent()).toMatch(/^[0-9a-f]{4}(:[0-9a-f]{4}){5}$/);
    await row.getByRole("button", { name: `Enrol ${theirs.id} with my passkey` }).click();
    await row.getByText(`by ${passkey.id}`).waitFor();
    const enrolled = (await t.client.listKeys(true)).keys.find((k) => k.id === theirs.id)!;
    expect(enrolled.enrolment).toMatchObject({
      statement: { keyId: theirs.id, userId: member.userId, alg: "ed25519" },
      signature: { alg: "webauthn", keyId: passkey.id },
    });

    // That person's signed `tower approve` runs the tool on the passkey-owned machine.
    const cwd = join(t.workDir, "enrolled-by-passkey");
    await mkdir(cwd, { recursive: true });
    const s = await createApiClient({ baseUrl: t.url, token: member.token }).createSession({
      prompt: "please write hello.txt",
      cwd,
      agent: machine.id,
      title: "enrolled by a passkey",
    });
    const waiting = await waitForStatus(t, s.id, "waiting_for_approval");
    const approval = (await t.client.listApprovals({ session: waiting.id })).approvals[0]!;
    const approved = await asMember(["approve", approval.id]);
    expect(approved.code, approved.stderr).toBe(0);
    await waitForStatus(t, s.id, "completed");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(true);
    await context.close();
  });
});
