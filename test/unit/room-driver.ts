/**
 * The pure room (party/core/room.ts) driven the way its tests drive it: a step context, a runner that
 * fails loudly on a refused step, agent events as the room ingests them (an approval request carries its
 * input's hash), and a session whose run has started on "laptop". One per test file: ids count up within it.
 */
import { EMPTY_ROOM, step, type Effect, type RoomInput, type RoomState, type StepContext } from "../../party/core/room";
import { canonicalSha256 } from "../../party/hash";
import type { AgentEvent } from "../../worker/protocol/agent";
import type { AgentId, ApprovalId, SessionId, WorkspaceId } from "../../worker/protocol/ids";

export function roomDriver(extra: Partial<StepContext> = {}) {
  let counter = 0;
  let seq = 0;
  const ctx = (now = 1_000): StepContext => ({
    now,
    newApprovalId: () => `apr_${String(++counter).padStart(20, "0")}` as ApprovalId,
    approvalTimeoutMs: 60_000,
    agentGraceMs: 30_000,
    ...extra,
  });

  function run(state: RoomState, inputs: RoomInput[], now = 1_000): { state: RoomState; effects: Effect[] } {
    let s = state;
    const effects: Effect[] = [];
    for (const input of inputs) {
      const r = step(s, input, ctx(now));
      if (!r.ok) throw new Error(`${input.type}: ${r.code} ${r.message}`);
      s = r.state;
      effects.push(...r.effects);
    }
    return { state: s, effects };
  }

  /** An agent event; with `runId`, ordered as the agent numbers it (its run and sequence number). */
  const ev = (event: AgentEvent, runId?: string): RoomInput => {
    const id = `e${++seq}`;
    return {
      type: "agent-event",
      envelope: { id, at: 1, event, ...(runId ? { runId, seq } : {}) },
      ...(event.type === "approval-request" ? { inputSha256: canonicalSha256(event.input) } : {}),
    };
  };

  /** A session on "laptop" with run `run1` queued, not yet connected. */
  const created = (): RoomState =>
    run(EMPTY_ROOM, [
      {
        type: "create",
        session: {
          id: "ses_aaaaaaaaaaaaaaaaaaaa" as SessionId,
          workspaceId: "wsp_aaaaaaaaaaaaaaaaaaaa" as WorkspaceId,
          agentId: "agt_aaaaaaaaaaaaaaaaaaaa" as AgentId,
          agentName: "laptop",
          ownerId: "usr_owner",
          parentSessionId: null,
          title: "t",
          spec: { prompt: "p", cwd: "/tmp" },
          runId: "run1",
          by: "tester",
        },
      },
    ]).state;

  /** That session once its run `run1` has started (Claude session `claude-1`), then `more`. */
  const running = (more: RoomInput[] = [], runId?: string): RoomState =>
    run(created(), [
      { type: "agent-connected" },
      ev({ type: "run-started", runId: "run1" }, runId),
      ev({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-1" } }, runId),
      ...more,
    ]).state;

  return { ctx, run, ev, created, running };
}
