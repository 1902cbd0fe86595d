/**
 * The room's check of a signed decision before its step: the key is the decider's, registered and not
 * revoked, and the statement names exactly this call, input, choice and edit, signed and unexpired
 * (worker/auth/statement-signature.ts). It then gathers what the agent needs to verify it alone: the
 * approver's enrolment and the workspace's signed revocations, from the room's copy of the workspace's
 * keys (party/room-keys.ts), so no D1 read is on the path; a passkey's signature counter must increase
 * (one conditional D1 write: a clone's assertion is refused). A key change announced while any of this is
 * awaited makes what was read stale, so the check runs again on the keys as they are then (party/room-keys.ts).
 * An unsigned decision costs nothing here.
 */
import type { Approval, DecisionBody } from "../worker/protocol/approval";
import type { ErrorCode } from "../worker/protocol/errors";
import { type DecisionProof, signCountOf } from "../worker/protocol/signed-decision";
import { decisionSignatureProblem } from "../worker/auth/statement-signature";
import { MAX_SCRUB_DEPTH, nestsDeeperThan } from "../worker/domain/scrub";
import { toPublicApproval, type RoomState } from "./core/room";
import { canonicalSha256 } from "./hash";
import type { RoomKeys } from "./room-keys";

/** Checks of one decision before it is refused because the workspace's keys kept changing under them. */
const CHECK_TRIES = 3;

export type ProofResult = { ok: true; proof?: DecisionProof } | { ok: false; code: ErrorCode; message: string };

export async function decisionProof(
  keys: RoomKeys,
  workspaceId: string,
  approval: Approval | null,
  body: DecisionBody,
  editSha256: string | null,
  userId: string | null,
): Promise<ProofResult> {
  const signed = body.signed;
  if (!signed) return { ok: true };
  // An unknown approval is refused by the step itself, with its own message.
  if (!approval) return { ok: true };
  const sig = signed.signature;
  let counted = false;
  for (let tries = 0; tries < CHECK_TRIES; tries++) {
    const { key, revocations, generation } = await keys.lookup(workspaceId, approval.sessionId, signed.statement.keyId);
    const problem = await decisionSignatureProblem(signed, { workspaceId, userId, approval, body, editSha256, key, now: Date.now() });
    // IMPORTANT: a key change (a revocation) announced during any await here makes what was read stale: check again.
    if (!keys.isCurrent(generation)) continue;
    if (problem) return { ok: false, code: "FORBIDDEN", message: `The signed decision was refused: ${problem}.` };
    if (sig.alg === "webauthn" && !counted) {
      if (!(await keys.advanceSignCount(workspaceId, sig.keyId, signCountOf(sig))))
        return {
          ok: false,
          code: "FORBIDDEN",
          message: `The signed decision was refused: passkey ${sig.keyId} reported signature counter ${signCountOf(sig)}, not above the last one accepted; its authenticator may have been cloned. Revoke it and register a new passkey.`,
        };
      // Kept once: a check again (after a change) must not read this assertion's own counter as a clone's.
      counted = true;
      if (!keys.isCurrent(generation)) continue;
    }
    return { ok: true, proof: { decision: signed, enrolment: key?.enrolment ?? null, revocations } };
  }
  return {
    ok: false,
    code: "CONFLICT",
    message: "The signed decision was refused: the workspace's device keys kept changing while it was checked. Sign and send it again.",
  };
}

/** The hash of an approve's edit (the step refuses a too-deep edit before any hash is needed). */
function editSha256Of(body: DecisionBody): string | undefined {
  const edit = body.decision === "approve" ? body.updatedInput : undefined;
  return edit && !nestsDeeperThan(edit, MAX_SCRUB_DEPTH) ? canonicalSha256(edit) : undefined;
}

/**
 * What every decision (RPC and socket) carries into its step: the edit's hash and, for a signed one, its
 * checked proof (no lookup at all for an unsigned one); or why a signed one is refused.
 */
export async function checkDecision(
  keys: RoomKeys,
  state: RoomState,
  approvalId: string,
  body: DecisionBody,
  userId: string | null,
): Promise<{ ok: true; extra: { editSha256?: string; proof?: DecisionProof } } | { ok: false; code: ErrorCode; message: string }> {
  const editSha256 = editSha256Of(body);
  const rec = state.approvals[approvalId];
  const checked = body.signed
    ? await decisionProof(keys, state.session?.workspaceId ?? "", rec ? toPublicApproval(rec) : null, body, editSha256 ?? null, userId)
    : { ok: true as const };
  if (!checked.ok) return checked;
  return { ok: true, extra: { ...(editSha256 ? { editSha256 } : {}), ...(checked.proof ? { proof: checked.proof } : {}) } };
}
