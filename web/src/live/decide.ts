/**
 * Approve or deny with the answer shown at once: the card and the inbox change before the server
 * replies, and roll back (with the server's reason) if it refuses. Goes through the session-scoped
 * route, which answers from the room without waiting for the inbox to catch up. The decision names
 * the hash of the input this approval showed, so the room refuses it if that is not the call it holds.
 */
import { resolutionOf, type Approval, type DecisionChoice } from "../../../worker/protocol/approval";
import type { SignedDecision } from "../../../worker/protocol/signed-decision";
import { upsertApproval } from "../state/workspace";
import { requiresSignature, signWithPasskey } from "./passkey";
import { api } from "./api";
import { toast } from "./toasts";
import { workspace } from "./workspace-live";

type Listener = (a: Approval) => void;
const listeners = new Set<Listener>();

/** The open session view listens here so its card follows optimistic changes too. */
export function onApprovalChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Shows an approval as the server decided it elsewhere (e.g. "always allow", which approves after adding its rule). */
export function showDecided(a: Approval): void {
  show(a);
}

function show(a: Approval): void {
  workspace.set((s) => upsertApproval(s, a));
  for (const l of listeners) l(a);
}

export async function decide(a: Approval, body: DecisionChoice): Promise<boolean> {
  // On a machine that requires signed decisions an approve is signed with the person's passkey first
  // (the machine runs nothing without it); a deny runs nothing, so it needs no signature.
  let signed: SignedDecision | undefined;
  if (body.decision === "approve" && requiresSignature(a)) {
    try {
      signed = await signWithPasskey(a, body);
    } catch (e) {
      toast(`Could not sign the approval of ${a.toolName}: ${(e as Error).message}`, "error");
      return false;
    }
  }
  const optimistic: Approval = {
    ...a,
    ...resolutionOf(body),
    via: "human",
    decidedAt: Date.now(),
  };
  show(optimistic);
  try {
    show(await api.decide(a.id, { ...body, inputSha256: a.inputSha256, ...(signed ? { signed } : {}) }, a.sessionId));
    return true;
  } catch (e) {
    show(a);
    toast(`Could not ${body.decision} ${a.toolName}: ${(e as Error).message}`, "error");
    return false;
  }
}
