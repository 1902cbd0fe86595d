/**
 * The one choke point where a room step's output is scrubbed of secrets: every event it emits, every
 * approval it saves and the session facts it changes (result, status reason, title). The DO persists,
 * broadcasts and mirrors only this output, so D1, hub frames, the search index, similar-sessions and
 * pipeline step results all derive from scrubbed text. Frames to the agent are left as they are: the
 * agent must run the edit a person wrote; the clear copy lives only in the approval's `agentInput`.
 * A signed decision's `proof` is not scrubbed either: it holds only ids, hashes, keys and signatures (no
 * free text), is never shown (toPublicApproval drops it), and must stay byte-exact for the machine to verify.
 * Text still being written never passes a step (it is not stored): live-text.ts scrubs it with the
 * same scrubber (`scrubPartial`) before it is fanned out.
 */
import { scrubJson, scrubText } from "../../worker/domain/scrub";
import type { ApprovalRecord, RoomState, SessionFacts, StepResult } from "./room";

function scrubApproval(rec: ApprovalRecord): ApprovalRecord {
  const { agentInput, proof, ...shown } = rec;
  const clean = scrubJson(shown);
  if (clean === shown) return rec;
  return { ...clean, ...(agentInput === undefined ? {} : { agentInput }), ...(proof === undefined ? {} : { proof }) };
}

/** Scrubs the fields a step changed; unchanged ones were scrubbed when they were set. */
function scrubFacts(before: SessionFacts | null, after: SessionFacts): SessionFacts {
  const changed = (k: "result" | "statusReason" | "title") => after[k] !== null && after[k] !== before?.[k];
  if (!changed("result") && !changed("statusReason") && !changed("title")) return after;
  return {
    ...after,
    title: changed("title") ? scrubText(after.title) : after.title,
    statusReason: changed("statusReason") ? scrubText(after.statusReason) : after.statusReason,
    result: changed("result") && after.result !== null ? scrubText(after.result) : after.result,
  };
}

/** Returns the step's result with everything it stores or sends to viewers scrubbed. */
export function scrubStep(before: RoomState, r: StepResult): StepResult {
  if (!r.ok) return r;
  const approvals = { ...r.state.approvals };
  for (const [id, rec] of Object.entries(approvals)) if (rec !== before.approvals[id]) approvals[id] = scrubApproval(rec);
  const session = r.state.session && scrubFacts(before.session, r.state.session);
  const effects = r.effects.map((e) => {
    if (e.type === "emit") return { ...e, body: scrubJson(e.body) };
    if (e.type === "save-approval") return { ...e, approval: approvals[e.approval.id] ?? scrubApproval(e.approval) };
    return e;
  });
  const approval = r.approval && (approvals[r.approval.id] ?? scrubApproval(r.approval));
  return { ok: true, state: { ...r.state, session, approvals }, effects, ...(approval ? { approval } : {}) };
}
