/**
 * Decisions a machine verifies: the canonical statements a person's device key signs (a decision on
 * one call, an approver's enrolment, a key's revocation), their exact bytes, and the signature envelope.
 * Shared by the CLI (signs), the Worker (checks early, forwards) and the agent (the authority: it runs a
 * call only on a statement it verified itself). The envelope is discriminated by `alg`: an Ed25519 key of
 * the CLI signs the bytes themselves; a passkey (`webauthn`) signs an assertion whose challenge is the
 * sha256 of the bytes, checked against the relying party (RP ID, origin) its owner-signed enrolment pins.
 */
import { z } from "zod";
import { canonicalJson } from "./canonical-json";

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 as 64 lowercase hex digits");
const Ident = z.string().min(1).max(200);
/** base64url without padding, as the CLI and the browser encode keys and signatures. */
const B64u = (bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

/** A key's id is derived from its public key (`key_` + the first 32 hex digits of its sha256), so an id names one key only. */
export const KeyId = z.string().regex(/^key_[0-9a-f]{32}$/, "a key_ id (key_ and 32 hex digits)");
export type KeyId = z.infer<typeof KeyId>;
export const Ed25519PublicKey = B64u(32);
/** base64url of variable length (passkey credential ids, COSE keys, assertions). */
const B64uOf = (maxChars: number) =>
  z
    .string()
    .min(1)
    .max(maxChars)
    .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");
/** A passkey's public key: its COSE_Key bytes (an ES256 P-256 key is 77 bytes). */
export const WebAuthnPublicKey = B64uOf(1400);
/** Where a passkey was registered, pinned in its enrolment: an assertion from another credential, RP or origin never verifies. */
export const WebAuthnCredential = z.object({
  credentialId: B64uOf(1400),
  rpId: z.string().min(1).max(253),
  origin: z.string().url().max(300),
});
export type WebAuthnCredential = z.infer<typeof WebAuthnCredential>;

/** The longest a signed decision may stay valid: it is made for one pending call, right now. */
export const MAX_STATEMENT_TTL_MS = 15 * 60_000;

/** One person's decision on one tool call, bound to the exact input (and edit) they saw. */
export const DecisionStatement = z.object({
  type: z.literal("tower.decision/v1"),
  workspaceId: Ident,
  sessionId: Ident,
  approvalId: Ident,
  toolUseId: Ident.nullable(),
  inputSha256: Sha256,
  decision: z.enum(["approve", "deny"]),
  /** The canonical sha256 of an approve's edited input; null when approved (or denied) as asked. */
  updatedInputSha256: Sha256.nullable(),
  /** The approver's user id, as their enrolment names it. */
  approver: Ident,
  keyId: KeyId,
  /** Epoch ms after which no verifier accepts it. */
  expiresAt: z.number().int().positive(),
});
export type DecisionStatement = z.infer<typeof DecisionStatement>;

/**
 * An approver's key, enrolled by a key the machine already trusts (its owner's): who holds it and what
 * it may do. `machines` null: every machine that trusts the issuer; otherwise only those agent ids.
 */
const EnrolmentBase = {
  type: z.literal("tower.enrolment/v1"),
  workspaceId: Ident,
  userId: Ident,
  keyId: KeyId,
  right: z.literal("decide"),
  machines: z.array(Ident).max(100).nullable(),
  issuedAt: z.number().int().positive(),
};
export const KeyEnrolment = z.discriminatedUnion("alg", [
  z.object({ ...EnrolmentBase, alg: z.literal("ed25519"), publicKey: Ed25519PublicKey }),
  z.object({ ...EnrolmentBase, alg: z.literal("webauthn"), publicKey: WebAuthnPublicKey, ...WebAuthnCredential.shape }),
]);
export type KeyEnrolment = z.infer<typeof KeyEnrolment>;

/** A key no verifier may accept any more; signed by the trusted issuer or by the revoked key itself. */
export const KeyRevocation = z.object({
  type: z.literal("tower.revocation/v1"),
  workspaceId: Ident,
  keyId: KeyId,
  revokedAt: z.number().int().positive(),
});
export type KeyRevocation = z.infer<typeof KeyRevocation>;

export const Ed25519Signature = z.object({ alg: z.literal("ed25519"), keyId: KeyId, sig: B64u(64) });
/** A passkey's assertion over `statementChallenge(statement)`: what navigator.credentials.get returned. */
export const WebAuthnSignature = z.object({
  alg: z.literal("webauthn"),
  keyId: KeyId,
  credentialId: B64uOf(1400),
  authenticatorData: B64uOf(2000),
  clientDataJSON: B64uOf(4000),
  sig: B64uOf(200),
});
export type WebAuthnSignature = z.infer<typeof WebAuthnSignature>;
/** How a statement was signed. */
export const StatementSignature = z.discriminatedUnion("alg", [Ed25519Signature, WebAuthnSignature]);
export type StatementSignature = z.infer<typeof StatementSignature>;

const signed = <S extends z.ZodTypeAny>(statement: S) => z.object({ statement, signature: StatementSignature });
export const SignedDecision = signed(DecisionStatement);
export type SignedDecision = z.infer<typeof SignedDecision>;
export const SignedEnrolment = signed(KeyEnrolment);
export type SignedEnrolment = z.infer<typeof SignedEnrolment>;
export const SignedRevocation = signed(KeyRevocation);
export type SignedRevocation = z.infer<typeof SignedRevocation>;

/**
 * What travels with a decision to the agent: the signed decision, the approver's enrolment (null when the
 * signer is a key the machine pins itself) and the workspace's revocations, all checked by the agent.
 */
export const DecisionProof = z.object({
  decision: SignedDecision,
  enrolment: SignedEnrolment.nullable(),
  revocations: z.array(SignedRevocation).max(1000),
});
export type DecisionProof = z.infer<typeof DecisionProof>;

/** The exact bytes a key signs: the statement in canonical JSON, UTF-8. IMPORTANT: never sign anything else. */
export function statementBytes(statement: DecisionStatement | KeyEnrolment | KeyRevocation): Uint8Array {
  return new TextEncoder().encode(canonicalJson(statement));
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A public key as a verifier needs it: an enrolment, a registered key and a pinned owner key all give one. */
export type VerifyingKey = { alg: "ed25519"; publicKey: string } | ({ alg: "webauthn"; publicKey: string } & WebAuthnCredential);

/** The WebAuthn challenge a passkey signs for `statement`: the sha256 of its exact bytes, base64url. */
export async function statementChallenge(statement: DecisionStatement | KeyEnrolment | KeyRevocation): Promise<string> {
  const bytes = statementBytes(statement) as Uint8Array<ArrayBuffer>;
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/**
 * The arguments of @simplewebauthn/server's verifyAuthenticationResponse for a passkey signature on
 * `statement`, so the Worker and the agent check the same thing (each calls the library itself); null when
 * the signature cannot be this key's (another alg or another credential). User verification is required:
 * a signed decision stands for a person, not for whoever holds the device.
 */
export async function webauthnCheck(statement: DecisionStatement | KeyEnrolment | KeyRevocation, signature: StatementSignature, key: VerifyingKey) {
  if (signature.alg !== "webauthn" || key.alg !== "webauthn" || signature.credentialId !== key.credentialId) return null;
  return {
    response: {
      id: signature.credentialId,
      rawId: signature.credentialId,
      type: "public-key" as const,
      response: { authenticatorData: signature.authenticatorData, clientDataJSON: signature.clientDataJSON, signature: signature.sig },
      clientExtensionResults: {},
    },
    expectedChallenge: await statementChallenge(statement),
    expectedOrigin: key.origin,
    expectedRPID: key.rpId,
    // The counter is checked by each verifier against its own record (signCountProblem), atomically with keeping it.
    credential: { id: key.credentialId, publicKey: fromBase64Url(key.publicKey) as Uint8Array<ArrayBuffer>, counter: 0 },
    requireUserVerification: true,
  };
}

/** The signature counter a passkey assertion reports: authenticatorData bytes 33–36, big-endian (WebAuthn §6.1). */
export function signCountOf(signature: WebAuthnSignature): number {
  const data = fromBase64Url(signature.authenticatorData);
  return data.length < 37 ? 0 : new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(33);
}

/**
 * Why a passkey's reported counter cannot follow the last one accepted (WebAuthn §7.2 step 21), or null:
 * once either is non-zero it must increase, or two authenticators hold the same key (a clone).
 */
export function signCountProblem(stored: number, reported: number): string | null {
  if ((stored > 0 || reported > 0) && reported <= stored)
    return `the passkey's signature counter did not increase (${reported} after ${stored}): its authenticator may have been cloned`;
  return null;
}

/** `key_…` for a public key (the first 16 bytes of its sha256), through Web Crypto. */
export async function keyIdOf(publicKey: Uint8Array): Promise<KeyId> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", publicKey as Uint8Array<ArrayBuffer>));
  return `key_${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}` as KeyId;
}
