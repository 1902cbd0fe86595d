/**
 * Ed25519 for the agent and the CLI (Node): the CLI signs decisions, enrolments and revocations with it and
 * the agent verifies every decision it applies. Native node:crypto, synchronously, with each key's KeyObject
 * kept: Web Crypto in Node runs every call as a job on libuv's thread pool (measured: 3× the time at p50 and
 * milliseconds at p95 on a loaded machine, on the path of each signed approval). Where node:crypto has no
 * Ed25519 (detected once) @noble/ed25519 does the same in pure JS: the same keys, the same signatures.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import * as noble from "@noble/ed25519";

/** Keys and signatures as base64url without padding, as key files, enrolments and signatures carry them. */
export interface Ed25519 {
  /** A new key pair: the 32-byte seed (the key file's secret) and its public key. */
  generate(): { secretKey: string; publicKey: string };
  /** The signature of `bytes` by the key whose seed is `secretKey` (`publicKey` is its public half). */
  sign(bytes: Uint8Array, secretKey: string, publicKey: string): string;
  /** Whether `signature` is `publicKey`'s over `bytes`; a malformed key or signature is simply not valid. */
  verify(bytes: Uint8Array, signature: string, publicKey: string): boolean;
}

const b64u = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
/** Decodes strictly: Buffer's decoder skips characters it does not know, so a re-encoding must give the text back. */
function bytesOf(text: string, length: number): Buffer | null {
  const bytes = Buffer.from(text, "base64url");
  return bytes.length === length && bytes.toString("base64url") === text ? bytes : null;
}

/** KeyObjects by key text: importing costs about as much as verifying, and the same few keys sign and verify every decision. */
function keyCache(make: (text: string) => KeyObject): (text: string) => KeyObject {
  const kept = new Map<string, KeyObject>();
  return (text) => {
    let key = kept.get(text);
    if (!key) {
      if (kept.size >= 1000) kept.clear();
      key = make(text);
      kept.set(text, key);
    }
    return key;
  };
}

const publicKeyOf = keyCache((x) => createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" }));
const privateKeyOf = keyCache((pair) => {
  const [d, x] = pair.split(".");
  return createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d, x }, format: "jwk" });
});

export const nodeEd25519: Ed25519 = {
  generate() {
    const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
    return { secretKey: jwk.d!, publicKey: jwk.x! };
  },
  sign(bytes, secretKey, publicKey) {
    if (!bytesOf(secretKey, 32) || !bytesOf(publicKey, 32)) throw new Error("an Ed25519 key is 32 bytes, base64url");
    return b64u(sign(null, bytes, privateKeyOf(`${secretKey}.${publicKey}`)));
  },
  verify(bytes, signature, publicKey) {
    const sig = bytesOf(signature, 64);
    if (!sig || !bytesOf(publicKey, 32)) return false;
    try {
      return verify(null, bytes, publicKeyOf(publicKey), sig);
    } catch {
      return false;
    }
  },
};

// Synchronous SHA-512 for noble's synchronous API (it has none of its own).
noble.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash("sha512").update(message).digest());

export const nobleEd25519: Ed25519 = {
  generate() {
    const seed = noble.utils.randomSecretKey();
    return { secretKey: b64u(seed), publicKey: b64u(noble.getPublicKey(seed)) };
  },
  sign(bytes, secretKey) {
    const seed = bytesOf(secretKey, 32);
    if (!seed) throw new Error("an Ed25519 key is 32 bytes, base64url");
    return b64u(noble.sign(bytes, seed));
  },
  verify(bytes, signature, publicKey) {
    const [sig, key] = [bytesOf(signature, 64), bytesOf(publicKey, 32)];
    if (!sig || !key) return false;
    try {
      // RFC 8032's strict rules, as node:crypto applies them (noble defaults to ZIP 215's laxer ones).
      return noble.verify(sig, bytes, key, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** RFC 8032 §7.1 test 1's public key: importing it tells whether node:crypto has Ed25519 at all. */
const RFC8032_PUBLIC_KEY = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
let chosen: Ed25519 | null = null;

/** The platform's Ed25519: node:crypto's, or the pure-JS one where node:crypto has none (decided once). */
export function ed25519(): Ed25519 {
  if (!chosen) {
    try {
      publicKeyOf(RFC8032_PUBLIC_KEY);
      chosen = nodeEd25519;
    } catch {
      chosen = nobleEd25519;
    }
  }
  return chosen;
}
