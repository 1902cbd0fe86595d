/**
 * `tower keys` and signed `tower approve` through the real command tree (runCli) against an in-process
 * server: the key pair is made here and only its public half is sent; the secret is kept mode 0600; a
 * decision is signed over exactly the approval shown; revoking this device's key signs and forgets it.
 */
import { mkdtempSync, readFileSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../agent/cli/config";
import { runCli } from "../../agent/cli/program";
import { fromBase64Url, SignedDecision, SignedRevocation, statementBytes, toBase64Url } from "../../worker/protocol/signed-decision";
import { APR, NOW, approval } from "./cli-fixtures";

interface Sent {
  method: string;
  url: URL;
  body: unknown;
  raw: string;
}

const USER = "usr_00000000000000000001";
const WSP = "wsp_00000000000000000001";
const SHOWN = approval({ input: { command: "make deploy" }, inputSha256: "cd".repeat(32) });

function harness() {
  const sent: Sent[] = [];
  const home = mkdtempSync(join(tmpdir(), "tower-keys-"));
  const out = { stdout: "", stderr: "" };
  const ctx: CliContext = {
    io: { out: (t) => void (out.stdout += t), err: (t) => void (out.stderr += t), color: false, errColor: false },
    env: { TOWER_TOKEN: "test-token", TOWER_URL: "http://tower.test" },
    homeDir: home,
    cwd: home,
    now: () => NOW,
    async fetch(input, init) {
      const raw = init?.body ? String(init.body) : "";
      const req = { method: init?.method ?? "GET", url: new URL(String(input)), body: raw ? JSON.parse(raw) : undefined, raw };
      sent.push(req);
      const p = req.url.pathname;
      const key = (over: object = {}) => ({
        id: "key_00000000000000000000000000000000",
        userId: USER,
        alg: "ed25519",
        publicKey: "A".repeat(43),
        label: "cli",
        createdAt: NOW,
        revokedAt: null,
        enrolment: null,
        revocation: null,
        ...over,
      });
      const json =
        p === "/api/me"
          ? { user: { id: USER, name: "Ann", email: null }, workspaceId: WSP, role: "owner", scopes: ["*"], workspaces: [] }
          : p === "/api/keys" && req.method === "POST"
            ? key({ publicKey: (req.body as { publicKey: string }).publicKey })
            : p.startsWith("/api/keys/")
              ? key({ revokedAt: NOW })
              : p.endsWith("/decision")
                ? { ...SHOWN, status: "approved", via: "human", decidedAt: NOW, decidedBy: "ann" }
                : SHOWN;
      return new Response(JSON.stringify(json), {
        status: p === "/api/keys" && req.method === "POST" ? 201 : 200,
        headers: { "content-type": "application/json" },
      });
    },
    onInterrupt: () => () => {},
    exitCode: 0,
  };
  const run = async (...argv: string[]) => ({ code: await runCli(argv, { ctx }), ...out });
  const keyFile = join(home, ".config", "tower", "device-key.json");
  return { run, sent, keyFile };
}

describe("happy", () => {
  it("keys add keeps the secret in a 0600 file and sends only the public half", async () => {
    const h = harness();
    const r = await h.run("keys", "add", "--label", "laptop");
    expect(r.code).toBe(0);
    const file = JSON.parse(readFileSync(h.keyFile, "utf8"));
    expect(statSync(h.keyFile).mode & 0o777).toBe(0o600);
    expect(file).toMatchObject({ alg: "ed25519", userId: USER, workspaceId: WSP, server: "http://tower.test" });
    expect(await ed.getPublicKeyAsync(fromBase64Url(file.secretKey))).toEqual(fromBase64Url(file.publicKey));
    const registered = h.sent.find((s) => s.method === "POST" && s.url.pathname === "/api/keys");
    expect(registered?.body).toEqual({ alg: "ed25519", publicKey: file.publicKey, label: "laptop" });
    expect(h.sent.some((s) => s.raw.includes(file.secretKey))).toBe(false);
    expect(r.stdout).toContain(`tower agent --owner-key ${file.publicKey}`);
  });

  it("approve signs the decision over exactly the call shown, verifiable with the registered key", async () => {
    const h = harness();
    await h.run("keys", "add");
    const file = JSON.parse(readFileSync(h.keyFile, "utf8"));
    expect((await h.run("approve", APR)).code).toBe(0);
    const body = h.sent.find((s) => s.url.pathname.endsWith("/decision"))!.body as { inputSha256: string; signed: unknown };
    const signed = SignedDecision.parse(body.signed);
    expect(signed.statement).toEqual({
      type: "tower.decision/v1",
      workspaceId: WSP,
      sessionId: SHOWN.sessionId,
      approvalId: APR,
      toolUseId: SHOWN.toolUseId,
      inputSha256: SHOWN.inputSha256,
      decision: "approve",
      updatedInputSha256: null,
      approver: USER,
      keyId: file.keyId,
      expiresAt: NOW + 5 * 60_000,
    });
    expect(await ed.verifyAsync(fromBase64Url(signed.signature.sig), statementBytes(signed.statement), fromBase64Url(file.publicKey))).toBe(true);
    // Ed25519 is deterministic: the native signer gives exactly the reference library's signature.
    expect(signed.signature.sig).toBe(toBase64Url(await ed.signAsync(statementBytes(signed.statement), fromBase64Url(file.secretKey))));
  });

  it("approve without a device key sends no signature; revoking this device's key signs the revocation and forgets the key", async () => {
    const h = harness();
    await h.run("approve", APR);
    expect(h.sent.find((s) => s.url.pathname.endsWith("/decision"))!.body).not.toHaveProperty("signed");
    await h.run("keys", "add");
    const file = JSON.parse(readFileSync(h.keyFile, "utf8"));
    expect((await h.run("keys", "revoke", file.keyId)).code).toBe(0);
    const revoke = h.sent.find((s) => s.url.pathname === `/api/keys/${file.keyId}/revoke`)!;
    const revocation = SignedRevocation.parse((revoke.body as { revocation: unknown }).revocation);
    expect(revocation.statement).toEqual({ type: "tower.revocation/v1", workspaceId: WSP, keyId: file.keyId, revokedAt: NOW });
    expect(await ed.verifyAsync(fromBase64Url(revocation.signature.sig), statementBytes(revocation.statement), fromBase64Url(file.publicKey))).toBe(true);
    expect(existsSync(h.keyFile)).toBe(false);
  });
});

describe("errors", () => {
  it("keys add refuses to replace this device's key", async () => {
    const h = harness();
    await h.run("keys", "add");
    const r = await h.run("keys", "add");
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/already has key key_[0-9a-f]{32}/);
  });
});
