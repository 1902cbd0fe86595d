/**
 * The decision statement the unit tests of signed decisions sign (the Worker's check and the agent's
 * verifyDecision, with Ed25519 keys and passkeys): one call held by the machine, its input and its hash,
 * and a statement approving exactly that call, so every verifier's table starts from the same facts.
 */
import { createHash } from "node:crypto";
import type { HeldCall } from "../../agent/verify-decision";
import { canonicalJson } from "../../worker/protocol/canonical-json";
import type { DecisionStatement } from "../../worker/protocol/signed-decision";

export const sha = (v: unknown) => createHash("sha256").update(canonicalJson(v)).digest("hex");
export const INPUT = { command: "make deploy" };
/** The call the machine holds: what a statement must name to be applied. */
export const HELD: HeldCall = { sessionId: "ses_00000000000000000001", toolUseId: "toolu_1", inputSha256: sha(INPUT) };

/** usr_ann's approve of the held call with key `keyId`, valid a minute from `now`; `over` changes any field. */
export function decisionStatement(keyId: string, now: number, over: Partial<DecisionStatement> = {}): DecisionStatement {
  return {
    type: "tower.decision/v1",
    workspaceId: "wsp_00000000000000000001",
    sessionId: HELD.sessionId,
    approvalId: "apr_00000000000000000001",
    toolUseId: HELD.toolUseId,
    inputSha256: sha(INPUT),
    decision: "approve",
    updatedInputSha256: null,
    approver: "usr_ann",
    keyId: keyId as DecisionStatement["keyId"],
    expiresAt: now + 60_000,
    ...over,
  };
}
