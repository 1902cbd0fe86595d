/**
 * The Worker's check of signed statements (worker/protocol/signed-decision.ts): a signature that does not
 * verify, a revoked or foreign key, or a decision that does not name exactly the call and choice it comes
 * with is refused at once with a 4xx, before the room. A convenience for people (fail fast, clear message),
 * not the guarantee: the machine verifies again against what it holds (agent/verify-decision.ts).
 */
import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import type { Approval, DecisionBody } from "../protocol/approval";
import { type DeviceKeyInfo, keyRefusal, verifyingKeyOf } from "../protocol/device-keys";
import {
  MAX_STATEMENT_TTL_MS,
  type DecisionStatement,
  type KeyEnrolment,
  type KeyRevocation,
  type SignedDecision,
  type StatementSignature,
  type VerifyingKey,
  webauthnCheck,
} from "../protocol/signed-decision";
import { ed25519Verify } from "./ed25519";

export async function signatureValid(
  statement: DecisionStatement | KeyEnrolment | KeyRevocation,
  signature: StatementSignature,
  key: VerifyingKey,
): Promise<boolean> {
  try {
    if (signature.alg === "ed25519") return key.alg === "ed25519" && (await ed25519Verify(statement, signature.sig, key.publicKey));
    const check = await webauthnCheck(statement, signature, key);
    return check !== null && (await verifyAuthenticationResponse(check)).verified;
  } catch {
    return false; // a malformed key or signature is simply not valid
  }
}

/** Why a signed decision cannot stand for this body on this approval, or null when it can. */
export async function decisionSignatureProblem(
  signed: SignedDecision,
  ctx: {
    workspaceId: string;
    userId: string | null;
    approval: Approval;
    body: DecisionBody;
    editSha256: string | null;
    key: DeviceKeyInfo | null;
    now: number;
  },
): Promise<string | null> {
  const s = signed.statement;
  const { approval, body, key } = ctx;
  if (s.keyId !== signed.signature.keyId) return "the statement names another key than the signature";
  if (!key) return `key ${s.keyId} is not registered in this workspace; run \`tower keys add\``;
  const refused = keyRefusal(key);
  if (refused) return refused;
  if (key.userId !== ctx.userId || s.approver !== ctx.userId) return `key ${s.keyId} is not yours, or the statement names another approver`;
  if (s.workspaceId !== ctx.workspaceId || s.sessionId !== approval.sessionId || s.approvalId !== approval.id)
    return "the statement is for another workspace, session or approval";
  if (s.toolUseId !== approval.toolUseId || s.inputSha256 !== approval.inputSha256) return "the statement is for another tool call or input";
  if (s.decision !== body.decision || s.updatedInputSha256 !== ctx.editSha256) return "the statement says another decision or edit than the request";
  if (s.expiresAt <= ctx.now) return "the signed statement has expired; decide again";
  if (s.expiresAt > ctx.now + MAX_STATEMENT_TTL_MS) return `the signed statement is valid for more than ${MAX_STATEMENT_TTL_MS / 60_000} minutes`;
  if (!(await signatureValid(s, signed.signature, verifyingKeyOf(key)))) return `the signature does not verify with key ${s.keyId}`;
  return null;
}
