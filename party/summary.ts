/**
 * Derives the list row (SessionSummary) from a room's state. The row is a pure function of the
 * state, so "did the list change?" is a comparison, never a separate flag to keep in sync.
 */
import type { SessionSummary } from "../worker/protocol/session";
import type { RoomState } from "./core/room";
import { scrubText } from "../worker/domain/scrub";
import { totals } from "./core/tally";

/** The prompt is kept as written for launches (spec); lists show it scrubbed. One-entry memo: it rarely changes. */
let lastPrompt: [string, string] = ["", ""];
function shownPrompt(prompt: string): string {
  if (lastPrompt[0] !== prompt) lastPrompt = [prompt, scrubText(prompt)];
  return lastPrompt[1];
}

export function toSummary(state: RoomState, lastSeq: number): SessionSummary | null {
  const s = state.session;
  if (!s) return null;
  const t = totals(s.tally);
  return {
    id: s.id,
    workspaceId: s.workspaceId,
    agentId: s.agentId,
    agentName: s.agentName,
    ownerId: s.ownerId,
    title: s.title,
    prompt: shownPrompt(s.spec.prompt),
    cwd: s.spec.cwd,
    model: s.spec.model ?? null,
    status: s.status,
    statusReason: s.statusReason,
    archived: s.archived,
    parentSessionId: s.parentSessionId,
    claudeSessionId: s.claudeSessionId,
    messageCount: s.tally.messageCount,
    toolCallCount: s.tally.toolCallCount,
    pendingApprovals: Object.values(state.approvals).filter((a) => a.status === "pending").length,
    costUsd: t.costUsd,
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    numTurns: t.numTurns,
    lastSeq,
    result: s.result,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    endedAt: s.endedAt,
    templateId: s.origin?.templateId ?? null,
    templateVersion: s.origin?.templateVersion ?? null,
    templateParams: s.origin?.templateParams ?? null,
    pipelineRunId: s.origin?.pipelineRunId ?? null,
    pipelineStepId: s.origin?.pipelineStepId ?? null,
  };
}
