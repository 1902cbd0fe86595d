/**
 * The signed decision statement (worker/protocol/signed-decision.ts): its bytes are canonical and stable,
 * an Ed25519 signature over them verifies, and any changed field makes the signature fail.
 */
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import {
  DecisionProof,
  type DecisionStatement,
  fromBase64Url,
  keyIdOf,
  SignedDecision,
  statementBytes,
  toBase64Url,
} from "../../worker/protocol/signed-decision";
import { ed25519Verify } from "../../worker/auth/ed25519";

const SEED = new Uint8Array(32).fill(7);
const H = (c: string) => c.repeat(64);

async function fixture() {
  const publicKey = await ed.getPublicKeyAsync(SEED);
  const keyId = await keyIdOf(publicKey);
  const statement: DecisionStatement = {
    type: "tower.decision/v1",
    workspaceId: "wsp_aaaaaaaaaaaaaaaaaaaa",
    sessionId: "ses_aaaaaaaaaaaaaaaaaaaa",
    approvalId: "apr_aaaaaaaaaaaaaaaaaaaa",
    toolUseId: "toolu_01",
    inputSha256: H("a"),
    decision: "approve",
    updatedInputSha256: null,
    approver: "usr_aaaaaaaaaaaaaaaaaaaa",
    keyId,
    expiresAt: 1_800_000_000_000,
  };
  return { publicKey, keyId, statement };
}

describe("happy", () => {
  it("signs and verifies a decision statement round trip, through its wire form", async () => {
    const { publicKey, keyId, statement } = await fixture();
    const sig = toBase64Url(await ed.signAsync(statementBytes(statement), SEED));
    const wire = SignedDecision.parse(JSON.parse(JSON.stringify({ statement, signature: { alg: "ed25519", keyId, sig } })));
    expect(await ed.verifyAsync(fromBase64Url(wire.signature.sig), statementBytes(wire.statement), publicKey)).toBe(true);
    // The verifier the Worker uses (Web Crypto's Ed25519) agrees with the library the CLI signs with.
    expect(await ed25519Verify(wire.statement, wire.signature.sig, toBase64Url(publicKey))).toBe(true);
    expect(DecisionProof.safeParse({ decision: wire, enrolment: null, revocations: [] }).success).toBe(true);
  });

  it("gives the same bytes whatever the key order, and exactly these bytes", async () => {
    const { statement } = await fixture();
    const reversed = Object.fromEntries(Object.entries(statement).reverse()) as DecisionStatement;
    expect(statementBytes(reversed)).toEqual(statementBytes(statement));
    expect(new TextDecoder().decode(statementBytes(statement))).toBe(
      `{"approvalId":"apr_aaaaaaaaaaaaaaaaaaaa","approver":"usr_aaaaaaaaaaaaaaaaaaaa","decision":"approve","expiresAt":1800000000000,` +
        `"inputSha256":"${H("a")}","keyId":"${statement.keyId}","sessionId":"ses_aaaaaaaaaaaaaaaaaaaa","toolUseId":"toolu_01",` +
        `"type":"tower.decision/v1","updatedInputSha256":null,"workspaceId":"wsp_aaaaaaaaaaaaaaaaaaaa"}`,
    );
  });

  it("derives a key id from the public key, and base64url round trips", async () => {
    const { publicKey, keyId } = await fixture();
    expect(keyId).toMatch(/^key_[0-9a-f]{32}$/);
    expect(await keyIdOf(publicKey)).toBe(keyId);
    expect(fromBase64Url(toBase64Url(publicKey))).toEqual(publicKey);
  });
});

describe("security", () => {
  const changes: [string, Partial<DecisionStatement>][] = [
    ["workspace", { workspaceId: "wsp_bbbbbbbbbbbbbbbbbbbb" }],
    ["session", { sessionId: "ses_bbbbbbbbbbbbbbbbbbbb" }],
    ["approval", { approvalId: "apr_bbbbbbbbbbbbbbbbbbbb" }],
    ["tool use", { toolUseId: "toolu_02" }],
    ["tool use dropped", { toolUseId: null }],
    ["input hash", { inputSha256: H("b") }],
    ["decision", { decision: "deny" }],
    ["edit hash", { updatedInputSha256: H("c") }],
    ["approver", { approver: "usr_bbbbbbbbbbbbbbbbbbbb" }],
    ["key id", { keyId: `key_${"0".repeat(32)}` }],
    ["expiry", { expiresAt: 1_800_000_000_001 }],
  ];
  it.each(changes)("a signature does not verify once the %s changes", async (_name, change) => {
    const { publicKey, statement } = await fixture();
    const sig = await ed.signAsync(statementBytes(statement), SEED);
    expect(await ed.verifyAsync(sig, statementBytes({ ...statement, ...change }), publicKey)).toBe(false);
    expect(await ed25519Verify({ ...statement, ...change }, toBase64Url(sig), toBase64Url(publicKey))).toBe(false);
  });

  it("does not verify with another key, a flipped signature bit, or a malformed key or signature (false, never a throw)", async () => {
    const { publicKey, statement } = await fixture();
    const sig = await ed.signAsync(statementBytes(statement), SEED);
    const other = toBase64Url(await ed.getPublicKeyAsync(new Uint8Array(32).fill(8)));
    const flipped = Uint8Array.from(sig, (b, i) => (i === 10 ? b ^ 1 : b));
    expect(await ed25519Verify(statement, toBase64Url(sig), other)).toBe(false);
    expect(await ed25519Verify(statement, toBase64Url(flipped), toBase64Url(publicKey))).toBe(false);
    expect(await ed25519Verify(statement, toBase64Url(sig), "AAAA")).toBe(false);
    expect(await ed25519Verify(statement, "short", toBase64Url(publicKey))).toBe(false);
    expect(await ed25519Verify(statement, "!!not base64!!", toBase64Url(publicKey))).toBe(false);
  });

  it("refuses a statement of an unknown kind or with a malformed hash or signature", async () => {
    const { keyId, statement } = await fixture();
    const signature = { alg: "ed25519", keyId, sig: "A".repeat(86) };
    expect(SignedDecision.safeParse({ statement, signature }).success).toBe(true);
    expect(SignedDecision.safeParse({ statement: { ...statement, type: "tower.enrolment/v1" }, signature }).success).toBe(false);
    expect(SignedDecision.safeParse({ statement: { ...statement, inputSha256: "ABC" }, signature }).success).toBe(false);
    expect(SignedDecision.safeParse({ statement, signature: { ...signature, sig: "short" } }).success).toBe(false);
    expect(SignedDecision.safeParse({ statement, signature: { ...signature, alg: "rsa" } }).success).toBe(false);
  });
});
