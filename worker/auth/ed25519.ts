/**
 * Ed25519 verification in the Worker and its Durable Objects (the Worker's early check of a signed
 * statement, and the room's before it forwards a decision to the machine). Web Crypto's native Ed25519
 * (workerd has it), with each public key's import kept; where the platform has none (detected once)
 * @noble/ed25519 checks the same signatures in pure JS. The agent verifies with node:crypto (agent/ed25519.ts).
 */
import * as noble from "@noble/ed25519";
import { type DecisionStatement, fromBase64Url, type KeyEnrolment, type KeyRevocation, statementBytes } from "../protocol/signed-decision";

/** Checks `signature` over `bytes` with `publicKey` (raw bytes); false for a malformed key or signature, never a throw. */
export type Ed25519Verifier = (bytes: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => Promise<boolean>;

const asBuffer = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

/** Imported public keys by their bytes (as text): importing costs about as much as verifying, and the same few keys verify every decision. */
const importedKeys = new Map<string, Promise<CryptoKey>>();

function importedKey(publicKey: Uint8Array): Promise<CryptoKey> {
  const name = String.fromCharCode(...publicKey);
  let key = importedKeys.get(name);
  if (!key) {
    if (importedKeys.size >= 1000) importedKeys.clear();
    key = crypto.subtle.importKey("raw", asBuffer(publicKey), { name: "Ed25519" }, false, ["verify"]);
    importedKeys.set(name, key);
    key.catch(() => importedKeys.delete(name));
  }
  return key;
}

export const webCryptoVerify: Ed25519Verifier = async (bytes, signature, publicKey) => {
  try {
    return await crypto.subtle.verify("Ed25519", await importedKey(publicKey), asBuffer(signature), asBuffer(bytes));
  } catch {
    return false;
  }
};

export const nobleVerify: Ed25519Verifier = async (bytes, signature, publicKey) => {
  try {
    // RFC 8032's strict rules, as Web Crypto applies them (noble defaults to ZIP 215's laxer ones).
    return await noble.verifyAsync(signature, bytes, publicKey, { zip215: false });
  } catch {
    return false;
  }
};

/** RFC 8032 §7.1 test 1's public key: whether it imports tells whether the platform has Ed25519 at all. */
const RFC8032_PUBLIC_KEY = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
let platform: Promise<Ed25519Verifier> | null = null;

/** The platform's verifier: Web Crypto's, or the pure-JS one where Web Crypto has no Ed25519 (decided once). */
export function platformVerifier(): Promise<Ed25519Verifier> {
  platform ??= importedKey(fromBase64Url(RFC8032_PUBLIC_KEY)).then(
    () => webCryptoVerify,
    () => nobleVerify,
  );
  return platform;
}

/** Whether `signature` (base64url) over `statement`'s canonical bytes verifies with the Ed25519 `publicKey` (base64url). */
export async function ed25519Verify(statement: DecisionStatement | KeyEnrolment | KeyRevocation, signature: string, publicKey: string): Promise<boolean> {
  let sig: Uint8Array;
  let key: Uint8Array;
  try {
    [sig, key] = [fromBase64Url(signature), fromBase64Url(publicKey)];
  } catch {
    return false; // not base64url
  }
  return (await platformVerifier())(statementBytes(statement), sig, key);
}
