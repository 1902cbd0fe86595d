/**
 * /api/keys on the wire: a person's device keys as Tower lists them (public halves and the signed
 * statements about them), and the bodies that register, enrol and revoke one. Tower only stores and
 * forwards these; a machine that requires signed decisions checks every signature itself.
 */
import { z } from "zod";
import { canonicalJson } from "./canonical-json";
import {
  Ed25519PublicKey,
  fromBase64Url,
  KeyId,
  type KeyEnrolment,
  SignedEnrolment,
  SignedRevocation,
  toBase64Url,
  type VerifyingKey,
  WebAuthnCredential,
  WebAuthnPublicKey,
} from "./signed-decision";

export const DeviceKeyInfo = z.object({
  id: KeyId,
  userId: z.string(),
  alg: z.enum(["ed25519", "webauthn"]),
  /** Ed25519: the raw 32 bytes; webauthn: the passkey's COSE_Key bytes; base64url either way. */
  publicKey: z.string(),
  /** A passkey's credential and where it was registered; null for an Ed25519 key. */
  webauthn: WebAuthnCredential.nullable().default(null),
  label: z.string(),
  createdAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  /** The enrolment signed by a key machines trust (their owner's); null: not enrolled by anyone yet. */
  enrolment: SignedEnrolment.nullable(),
  revocation: SignedRevocation.nullable(),
  /**
   * Set when a stored statement of this key (its enrolment, revocation or passkey credential) no longer
   * reads: why, and that the key signs nothing until replaced. Such a key is never trusted.
   */
  unreadable: z.string().optional(),
});
export type DeviceKeyInfo = z.infer<typeof DeviceKeyInfo>;

/** The key a verifier checks `info`'s signatures with. */
export function verifyingKeyOf(info: DeviceKeyInfo): VerifyingKey {
  return info.alg === "webauthn" && info.webauthn
    ? { alg: "webauthn", publicKey: info.publicKey, ...info.webauthn }
    : { alg: "ed25519", publicKey: info.publicKey };
}

/** Why `key` may sign nothing (revoked, or a stored statement that does not read), or null when it is live. */
export function keyRefusal(key: DeviceKeyInfo): string | null {
  if (key.unreadable) return `key ${key.id}: ${key.unreadable}`;
  if (key.revokedAt !== null) return `key ${key.id} was revoked; enrol a new one with \`tower keys add\``;
  return null;
}

/**
 * What an issuer signs to let `key` decide on the machines that trust the issuer (`machines` null: all of them).
 * A passkey's enrolment pins its credential and the RP ID and origin it signs for: machines check its
 * assertions against these. The CLI (`tower keys enrol`) and the web (Settings → Device keys) both build it here.
 */
export function enrolmentOf(key: DeviceKeyInfo, workspaceId: string, issuedAt: number, machines: string[] | null = null): KeyEnrolment {
  const base = { type: "tower.enrolment/v1", workspaceId, userId: key.userId, keyId: key.id, right: "decide", machines, issuedAt } as const;
  if (key.alg !== "webauthn") return { ...base, alg: "ed25519", publicKey: key.publicKey };
  if (!key.webauthn) throw new Error(`passkey ${key.id} is listed without its credential; register it again in Settings → Device keys`);
  return { ...base, alg: "webauthn", publicKey: key.publicKey, ...key.webauthn };
}

/** A short fingerprint from the hex sha256 of a public key, for a person to compare out of band before trusting it. */
export function fingerprintOfDigest(sha256Hex: string): string {
  return sha256Hex.slice(0, 24).match(/.{4}/g)!.join(":");
}

/** A passkey as a machine pins it: its COSE public key and where it signs (credential, RP ID, origin). */
const PinnedPasskey = z.object({ publicKey: WebAuthnPublicKey, ...WebAuthnCredential.shape });
const PASSKEY_PIN = "webauthn.";

/**
 * What `tower agent --owner-key` takes to pin `info` as a machine's owner key: an Ed25519 key's public half
 * as is; a passkey's public key with its credential, RP ID and origin in one string (`webauthn.` + base64url
 * of their canonical JSON), so a passkey-only owner can pin theirs. `tower keys ls --json` prints it as `pin`.
 */
export function ownerPinOf(info: DeviceKeyInfo): string {
  if (info.alg !== "webauthn" || !info.webauthn) return info.publicKey;
  return PASSKEY_PIN + toBase64Url(new TextEncoder().encode(canonicalJson({ publicKey: info.publicKey, ...info.webauthn })));
}

/** The key an owner pin names, or null when `pin` is neither form. */
export function parseOwnerPin(pin: string): VerifyingKey | null {
  if (!pin.startsWith(PASSKEY_PIN)) return Ed25519PublicKey.safeParse(pin).success ? { alg: "ed25519", publicKey: pin } : null;
  try {
    const r = PinnedPasskey.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(pin.slice(PASSKEY_PIN.length)))));
    return r.success ? { alg: "webauthn", ...r.data } : null;
  } catch {
    return null;
  }
}

export const RegisterKeyBody = z.object({
  alg: z.literal("ed25519"),
  publicKey: Ed25519PublicKey,
  label: z.string().trim().min(1).max(100),
});
export type RegisterKeyBody = z.infer<typeof RegisterKeyBody>;

export const KeyListQuery = z.object({ all: z.enum(["true", "false"]).default("false") });

export const EnrolKeyBody = z.object({ enrolment: SignedEnrolment });
export type EnrolKeyBody = z.infer<typeof EnrolKeyBody>;

/** A revocation signed by the key itself or by its enroller; without one the key is revoked on the server only. */
export const RevokeKeyBody = z.object({ revocation: SignedRevocation.optional() });
export type RevokeKeyBody = z.infer<typeof RevokeKeyBody>;

/** What navigator.credentials.create returned, as @simplewebauthn/browser's startRegistration encodes it. */
export const PasskeyRegistration = z.object({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal("public-key"),
  response: z.looseObject({
    clientDataJSON: z.string().min(1).max(4000),
    attestationObject: z.string().min(1).max(16000),
    transports: z.array(z.string().max(40)).max(10).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(40).optional(),
});

export const RegisterPasskeyBody = z.object({ label: z.string().trim().min(1).max(100), registration: PasskeyRegistration });
export type RegisterPasskeyBody = z.infer<typeof RegisterPasskeyBody>;

/** The options navigator.credentials.create is called with (PublicKeyCredentialCreationOptionsJSON); built and checked by the server. */
export const PasskeyOptions = z.looseObject({ challenge: z.string(), rp: z.looseObject({ id: z.string().optional(), name: z.string() }) });
