/**
 * The platform's Ed25519 against its pure-JS fallback, both ways: the agent and CLI's (agent/ed25519.ts,
 * node:crypto or @noble/ed25519) and the Worker's (worker/auth/ed25519.ts, Web Crypto or @noble/ed25519).
 * Each pair must agree on every valid, invalid and tampered signature, so a machine whose platform has no
 * native Ed25519 accepts and refuses exactly what the others do.
 */
import { describe, expect, it } from "vitest";
import { ed25519, type Ed25519, nobleEd25519, nodeEd25519 } from "../../agent/ed25519";
import { type Ed25519Verifier, nobleVerify, platformVerifier, webCryptoVerify } from "../../worker/auth/ed25519";
import { fromBase64Url } from "../../worker/protocol/signed-decision";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const utf8 = (text: string) => new TextEncoder().encode(text);

/** RFC 8032 §7.1, test 1: seed, public key, message, signature. */
const RFC8032 = {
  seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
  publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
  message: "",
  signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
};

const backends: [string, Ed25519][] = [
  ["node:crypto", nodeEd25519],
  ["@noble/ed25519", nobleEd25519],
];
const verifiers: [string, Ed25519Verifier][] = [
  ["Web Crypto", webCryptoVerify],
  ["@noble/ed25519", nobleVerify],
];

const message = utf8('{"decision":"approve","inputSha256":"aa"}');
const signer = nodeEd25519.generate();
const stranger = nodeEd25519.generate();
const good = nodeEd25519.sign(message, signer.secretKey, signer.publicKey);
const flipped = b64u(Uint8Array.from(fromBase64Url(good), (b, i) => (i === 10 ? b ^ 1 : b)));
/** [case, bytes, signature, public key, valid?] */
const cases: [string, Uint8Array, string, string, boolean][] = [
  ["a valid signature", message, good, signer.publicKey, true],
  ["another key's", message, good, stranger.publicKey, false],
  ["a tampered message", utf8('{"decision":"approve","inputSha256":"ab"}'), good, signer.publicKey, false],
  ["a flipped signature bit", message, flipped, signer.publicKey, false],
  ["a short signature", message, good.slice(0, 40), signer.publicKey, false],
  ["a short key", message, good, "AAAA", false],
  ["a key that is no curve point", message, good, b64u(new Uint8Array(32).fill(0xff)), false],
  ["an all-zero signature", message, b64u(new Uint8Array(64)), signer.publicKey, false],
];

describe("happy", () => {
  it.each(backends)("%s signs RFC 8032's test vector and verifies it", (_name, ed) => {
    const v = RFC8032;
    const [secretKey, publicKey] = [b64u(hex(v.seed)), b64u(hex(v.publicKey))];
    expect(ed.sign(hex(v.message), secretKey, publicKey)).toBe(b64u(hex(v.signature)));
    expect(ed.verify(hex(v.message), b64u(hex(v.signature)), publicKey)).toBe(true);
  });

  it("node:crypto and @noble/ed25519 make the same signature with the same key, and each verifies the other's", () => {
    for (const make of [nodeEd25519, nobleEd25519]) {
      const k = make.generate();
      const [byNode, byNoble] = [nodeEd25519.sign(message, k.secretKey, k.publicKey), nobleEd25519.sign(message, k.secretKey, k.publicKey)];
      expect(byNode).toBe(byNoble);
      for (const [, ed] of backends) expect(ed.verify(message, byNode, k.publicKey)).toBe(true);
    }
  });

  it("Node's platform choice is its native Ed25519, and so is the Worker verifier's under Node", async () => {
    expect(ed25519()).toBe(nodeEd25519);
    expect(await platformVerifier()).toBe(webCryptoVerify);
  });
});

describe("security", () => {
  it.each(cases)("the agent's verifiers agree on %s", (_name, bytes, signature, publicKey, valid) => {
    for (const [, ed] of backends) expect(ed.verify(bytes, signature, publicKey)).toBe(valid);
  });

  it.each(cases)("the Worker's verifiers agree on %s", async (_name, bytes, signature, publicKey, valid) => {
    for (const [, verify] of verifiers) expect(await verify(bytes, fromBase64Url(signature), fromBase64Url(publicKey))).toBe(valid);
  });

  it("refuses a key or signature that is not strict base64url (never a throw)", () => {
    for (const [, ed] of backends) {
      expect(ed.verify(message, `${good.slice(0, -1)}!`, signer.publicKey)).toBe(false);
      expect(ed.verify(message, good, `${signer.publicKey.slice(0, -1)}=`)).toBe(false);
      expect(() => ed.sign(message, "short", signer.publicKey)).toThrow(/32 bytes/);
    }
  });
});
