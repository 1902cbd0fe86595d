/**
 * Passkeys in the browser: registering one as a device key, signing a decision with it when the session's
 * machine requires signed decisions, and, for an owner whose key is a passkey, enrolling another key. The passkey signs a WebAuthn assertion whose challenge is
 * the sha256 of the canonical statement (worker/protocol/signed-decision.ts); the server checks it early
 * and the machine verifies it again against the key its owner enrolled.
 */
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import type { Approval, DecisionChoice } from "../../../worker/protocol/approval";
import { canonicalJson } from "../../../worker/protocol/canonical-json";
import { type DeviceKeyInfo, enrolmentOf, keyRefusal, type RegisterPasskeyBody } from "../../../worker/protocol/device-keys";
import { type DecisionStatement, type SignedDecision, statementChallenge, type WebAuthnSignature } from "../../../worker/protocol/signed-decision";
import { workspace } from "./workspace-live";
import { api } from "./api";
import { me } from "./me";

/** How long a signed decision stays valid: long enough to reach the machine, short enough not to linger. */
const DECISION_TTL_MS = 5 * 60_000;

export async function registerPasskey(label: string): Promise<DeviceKeyInfo> {
  const { options } = await api.passkeyOptions();
  const registration = await startRegistration({ optionsJSON: options as unknown as Parameters<typeof startRegistration>[0]["optionsJSON"] });
  // The server validates the shape (PasskeyRegistration); the library's interfaces only lack index signatures.
  return api.registerPasskey({ label, registration: registration as RegisterPasskeyBody["registration"] });
}

/** Whether the machine running `a`'s session requires signed decisions (its owner's toggle). */
export function requiresSignature(a: Approval): boolean {
  const state = workspace.get();
  const agentId = state.sessions.get(a.sessionId)?.agentId;
  return !!agentId && state.agents.get(agentId)?.requireSignedDecisions === true;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** This person's passkeys that can sign on this site (live, registered for this host), newest last. */
export function passkeysHere(keys: readonly DeviceKeyInfo[], userId: string): DeviceKeyInfo[] {
  return keys.filter((k) => k.userId === userId && k.alg === "webauthn" && keyRefusal(k) === null && k.webauthn?.rpId === location.hostname);
}

/** A WebAuthn assertion by `key` (a passkey here) over `statement`: the signature machines check. */
async function assertWith(key: DeviceKeyInfo, statement: Parameters<typeof statementChallenge>[0]): Promise<WebAuthnSignature> {
  const credentialId = key.webauthn!.credentialId;
  const assertion = await startAuthentication({
    optionsJSON: {
      challenge: await statementChallenge(statement),
      rpId: key.webauthn!.rpId,
      allowCredentials: [{ id: credentialId, type: "public-key" }],
      userVerification: "required",
      timeout: 60_000,
    },
  });
  return {
    alg: "webauthn",
    keyId: key.id as WebAuthnSignature["keyId"],
    credentialId: assertion.id,
    authenticatorData: assertion.response.authenticatorData,
    clientDataJSON: assertion.response.clientDataJSON,
    sig: assertion.response.signature,
  };
}

/**
 * As a machine's owner whose key is a passkey: lets `target` decide on every machine that pins that passkey,
 * by signing its enrolment with it (what `tower keys enrol` does with a CLI key). Compare the fingerprint first.
 */
export async function enrolWithPasskey(target: DeviceKeyInfo, signer: DeviceKeyInfo): Promise<DeviceKeyInfo> {
  const who = me.get();
  if (!who?.user) throw new Error("sign in as a person to enrol keys");
  const statement = enrolmentOf(target, who.workspaceId, Date.now());
  return api.enrolKey(target.id, { enrolment: { statement, signature: await assertWith(signer, statement) } });
}

/** Signs `choice` on `a` with one of this person's live passkeys on this site; throws when they have none. */
export async function signWithPasskey(a: Approval, choice: DecisionChoice): Promise<SignedDecision> {
  const who = me.get();
  const userId = who?.user?.id;
  if (!who || !userId) throw new Error("sign in as a person to sign decisions");
  const key = passkeysHere((await api.listKeys()).keys, userId).at(-1);
  if (!key?.webauthn) throw new Error("this machine requires signed decisions: register a passkey in Settings → Device keys");
  const edit = choice.decision === "approve" ? choice.updatedInput : undefined;
  const statement: DecisionStatement = {
    type: "tower.decision/v1",
    workspaceId: who.workspaceId,
    sessionId: a.sessionId,
    approvalId: a.id,
    toolUseId: a.toolUseId,
    inputSha256: a.inputSha256,
    decision: choice.decision,
    updatedInputSha256: edit ? await sha256Hex(canonicalJson(edit)) : null,
    approver: userId,
    keyId: key.id,
    expiresAt: Date.now() + DECISION_TTL_MS,
  };
  return { statement, signature: await assertWith(key, statement) };
}
