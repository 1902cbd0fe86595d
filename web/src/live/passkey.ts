/**
 * Passkeys in the browser: registering one as a device key, and signing a decision with it when the
 * session's machine requires signed decisions. The passkey signs a WebAuthn assertion whose challenge is
 * the sha256 of the canonical statement (worker/protocol/signed-decision.ts); the server checks it early
 * and the machine verifies it again against the key its owner enrolled.
 */
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import type { Approval, DecisionChoice } from "../../../worker/protocol/approval";
import { canonicalJson } from "../../../worker/protocol/canonical-json";
import type { DeviceKeyInfo, RegisterPasskeyBody } from "../../../worker/protocol/device-keys";
import { type DecisionStatement, type SignedDecision, statementChallenge } from "../../../worker/protocol/signed-decision";
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

/** Signs `choice` on `a` with one of this person's live passkeys on this site; throws when they have none. */
export async function signWithPasskey(a: Approval, choice: DecisionChoice): Promise<SignedDecision> {
  const who = me.get();
  const userId = who?.user?.id;
  if (!who || !userId) throw new Error("sign in as a person to sign decisions");
  const keys = (await api.listKeys()).keys.filter((k) => k.alg === "webauthn" && k.revokedAt === null && k.webauthn?.rpId === location.hostname);
  const key = keys.at(-1);
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
  const assertion = await startAuthentication({
    optionsJSON: {
      challenge: await statementChallenge(statement),
      rpId: key.webauthn.rpId,
      allowCredentials: keys.flatMap((k) => (k.webauthn ? [{ id: k.webauthn.credentialId, type: "public-key" as const }] : [])).slice(-1),
      userVerification: "required",
      timeout: 60_000,
    },
  });
  return {
    statement,
    signature: {
      alg: "webauthn",
      keyId: key.id,
      credentialId: assertion.id,
      authenticatorData: assertion.response.authenticatorData,
      clientDataJSON: assertion.response.clientDataJSON,
      sig: assertion.response.signature,
    },
  };
}
