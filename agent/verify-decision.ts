/**
 * The machine's own check of a decision, so that a compromised or buggy server cannot run anything on a
 * machine that requires signed decisions: a pure function of the decision, its proof, the call the agent
 * actually holds and the keys the agent trusts (its owner's pinned key, and revocations it has verified).
 * It accepts an approve only when every link holds: enrolment signed by the owner, approver's right,
 * signature, input and edit hashes computed here from the held call, expiry, and the key not revoked.
 * A deny is always applied: it runs nothing, and a server can stop a run anyway.
 */
import { createHash } from "node:crypto";
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import type { ApprovalAnswer } from "../worker/protocol/agent";
import { canonicalJson } from "../worker/protocol/canonical-json";
import { ed25519 } from "./ed25519";
import {
  type DecisionProof,
  type DecisionStatement,
  fromBase64Url,
  type KeyEnrolment,
  type KeyRevocation,
  MAX_STATEMENT_TTL_MS,
  type SignedRevocation,
  signCountOf,
  signCountProblem,
  type StatementSignature,
  type VerifyingKey,
  type WebAuthnCredential,
  webauthnCheck,
} from "../worker/protocol/signed-decision";

/**
 * What this machine trusts: its owner's key (pinned on the machine), the keys it knows are revoked, and
 * the last signature counter it accepted from each passkey (a clone's assertion does not increase it).
 */
export interface Trust {
  /** An Ed25519 key (alg absent or "ed25519"), or a passkey pinned with its credential, RP ID and origin. */
  owner: { keyId: string; publicKey: string } & ({ alg?: "ed25519" } | ({ alg: "webauthn" } & WebAuthnCredential));
  revoked: ReadonlySet<string>;
  counters?: ReadonlyMap<string, number>;
}

/**
 * The call Claude Code is waiting on, as this agent holds it (never as the server describes it): the input's
 * canonical sha256 is computed by the agent from the input Claude Code gave it (agent/park.ts `inputSha256`;
 * for a parked call, the hook checks the re-fired input against it).
 */
export interface HeldCall {
  sessionId: string;
  toolUseId: string | null;
  inputSha256: string;
}

/** `counter`: a passkey's reported signature counter, for the caller to keep once it applies the decision. */
export type Verdict =
  | { ok: true; revocations: SignedRevocation[]; counter?: { keyId: string; count: number } }
  | { ok: false; reason: string; revocations: SignedRevocation[] };

/** Clock skew allowed between the approver's device and this machine. */
const SKEW_MS = 60_000;

function ownerKey({ owner }: Trust): VerifyingKey {
  return owner.alg === "webauthn"
    ? { alg: "webauthn", publicKey: owner.publicKey, credentialId: owner.credentialId, rpId: owner.rpId, origin: owner.origin }
    : { alg: "ed25519", publicKey: owner.publicKey };
}
const sha256 = (value: unknown) => createHash("sha256").update(canonicalJson(value)).digest("hex");

/**
 * Enrolments and revocations that verified, by signer and signature → the statement's canonical JSON. The
 * same few travel with every decision; a verification is a pure function of these three, so one that held
 * holds again. Decisions (one per call) and passkey assertions (their counter) are never kept.
 */
const verified = new Map<string, string>();
const VERIFIED_MAX = 2000;

/** Whether `key` made `signature` on `statement`: Ed25519 over the bytes, or a passkey assertion over their hash at the pinned RP and origin. */
async function signedBy(statement: DecisionStatement | KeyEnrolment | KeyRevocation, signature: StatementSignature, key: VerifyingKey): Promise<boolean> {
  try {
    if (signature.alg === "ed25519") return key.alg === "ed25519" && ed25519SignedBy(statement, signature.sig, key.publicKey);
    const check = await webauthnCheck(statement, signature, key);
    return check !== null && (await verifyAuthenticationResponse(check)).verified;
  } catch {
    return false;
  }
}

/** An Ed25519 signature, through the platform's native verifier (synchronous); enrolments and revocations that held are kept. */
function ed25519SignedBy(statement: DecisionStatement | KeyEnrolment | KeyRevocation, sig: string, publicKey: string): boolean {
  // The statement's canonical text is made once: it is both the memo's value and the signed bytes.
  const text = canonicalJson(statement);
  const kept = statement.type !== "tower.decision/v1";
  const memo = `${publicKey}.${sig}`;
  if (kept && verified.get(memo) === text) return true;
  const ok = ed25519().verify(encoder.encode(text), sig, publicKey);
  if (ok && kept) {
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.set(memo, text);
  }
  return ok;
}
const encoder = new TextEncoder();

/** `key_` + the first 16 bytes of the key's sha256: a key id names one public key only. */
function keyIdOf(publicKey: string): string {
  return `key_${createHash("sha256").update(fromBase64Url(publicKey)).digest("hex").slice(0, 32)}`;
}

/** The key an owner-signed enrolment pins (its public key, and for a passkey its credential, RP ID and origin). */
function enrolledKey(e: KeyEnrolment): VerifyingKey {
  return e.alg === "webauthn"
    ? { alg: "webauthn", publicKey: e.publicKey, credentialId: e.credentialId, rpId: e.rpId, origin: e.origin }
    : { alg: "ed25519", publicKey: e.publicKey };
}

/** The revocations in `proof` this machine can believe: signed by its owner, or by the revoked key itself. */
async function believedRevocations(proof: DecisionProof, trust: Trust): Promise<SignedRevocation[]> {
  const known = new Map<string, VerifyingKey>([[trust.owner.keyId, ownerKey(trust)]]);
  if (proof.enrolment) known.set(proof.enrolment.statement.keyId, enrolledKey(proof.enrolment.statement));
  const out: SignedRevocation[] = [];
  for (const r of proof.revocations) {
    if (trust.revoked.has(r.statement.keyId)) continue; // already believed and kept
    const signer = r.signature.keyId;
    if (signer !== trust.owner.keyId && signer !== r.statement.keyId) continue;
    const key = known.get(signer);
    if (key && (await signedBy(r.statement, r.signature, key))) out.push(r);
  }
  return out;
}

/**
 * Whether this machine may apply `answer` to the call it holds.
 * @example await verifyDecision({ answer, proof, held, trust, agentId, now }) // { ok: false, reason: "the decision is not signed", … }
 */
export async function verifyDecision(input: {
  answer: ApprovalAnswer;
  proof: DecisionProof | undefined;
  held: HeldCall;
  trust: Trust;
  agentId: string | null;
  now: number;
}): Promise<Verdict> {
  const { answer, proof, held, trust, now } = input;
  if (answer.behavior === "deny") return { ok: true, revocations: [] };
  if (!proof) return { ok: false, reason: "the decision is not signed", revocations: [] };
  const revocations = await believedRevocations(proof, trust);
  const refuse = (reason: string): Verdict => ({ ok: false, reason, revocations });
  const revoked = new Set([...trust.revoked, ...revocations.map((r) => r.statement.keyId)]);
  const { statement: s, signature } = proof.decision;
  if (signature.keyId !== s.keyId) return refuse("the statement names another key than its signature");

  let key: VerifyingKey;
  if (s.keyId === trust.owner.keyId) {
    key = ownerKey(trust);
  } else {
    const e = proof.enrolment;
    if (!e || e.statement.keyId !== s.keyId) return refuse(`key ${s.keyId} is not enrolled on this machine`);
    if (e.signature.keyId !== trust.owner.keyId || !(await signedBy(e.statement, e.signature, ownerKey(trust))))
      return refuse(`the enrolment of key ${s.keyId} is not signed by this machine's owner`);
    if (keyIdOf(e.statement.publicKey) !== s.keyId) return refuse(`the enrolment of key ${s.keyId} carries another public key`);
    if (e.statement.userId !== s.approver) return refuse(`key ${s.keyId} is enrolled for another person than the approver`);
    if (e.statement.workspaceId !== s.workspaceId) return refuse(`key ${s.keyId} is enrolled for another workspace`);
    if (e.statement.machines && !(input.agentId && e.statement.machines.includes(input.agentId)))
      return refuse(`key ${s.keyId} may not decide on this machine`);
    key = enrolledKey(e.statement);
  }
  if (revoked.has(s.keyId)) return refuse(`key ${s.keyId} is revoked`);
  if (!(await signedBy(s, signature, key))) return refuse(`the signature does not verify with key ${s.keyId}`);
  const count = signature.alg === "webauthn" ? signCountOf(signature) : null;
  const cloned = count === null ? null : signCountProblem(trust.counters?.get(s.keyId) ?? 0, count);
  if (cloned) return refuse(cloned);
  if (s.decision !== "approve") return refuse("the signed statement does not approve");
  if (s.sessionId !== held.sessionId || s.toolUseId !== held.toolUseId) return refuse("the signed statement is for another tool call");
  if (s.inputSha256 !== held.inputSha256) return refuse("the signed statement is for another input than the call this machine holds");
  const edit = answer.updatedInput ? sha256(answer.updatedInput) : null;
  if (s.updatedInputSha256 !== edit) return refuse("the edited input is not the one signed");
  if (s.expiresAt <= now) return refuse("the signed statement has expired");
  if (s.expiresAt > now + MAX_STATEMENT_TTL_MS + SKEW_MS) return refuse("the signed statement is valid for too long");
  return { ok: true, revocations, ...(count === null ? {} : { counter: { keyId: s.keyId, count } }) };
}
