import { describe, expect, it } from "vitest";
import { EMPTY_ROOM, step, type Effect, type RoomInput, type RoomState, type StepContext } from "../../party/core/room";
import type { AgentEvent } from "../../worker/protocol/agent";
import type { AgentId, ApprovalId, SessionId, WorkspaceId } from "../../worker/protocol/ids";

const ctx: StepContext = { now: 1_000, newApprovalId: () => "apr_00000000000000000001" as ApprovalId, approvalTimeoutMs: 60_000, agentGraceMs: 30_000 };
let seq = 0;
const ev = (event: AgentEvent, runId = "run1"): RoomInput => ({ type: "agent-event", envelope: { id: `e${++seq}`, at: 1, runId, seq, event } });

function run(state: RoomState, inputs: RoomInput[]): { state: RoomState; effects: Effect[] } {
  let s = state;
  const effects: Effect[] = [];
  for (const input of inputs) {
    const r = step(s, input, ctx);
    if (!r.ok) throw new Error(`${input.type}: ${r.message}`);
    s = r.state;
    effects.push(...r.effects);
  }
  return { state: s, effects };
}

const running = (): RoomState =>
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
    { type: "agent-connected" },
    ev({ type: "run-started", runId: "run1" }),
    ev({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-1" } }),
  ]).state;

describe("dead letters", () => {
  it("records a dropped event in the log and goes on running", () => {
    const { state, effects } = run(running(), [ev({ type: "event-dropped", eventType: "sdk-message", size: 2_000_000, reason: "too large" })]);
    expect(state.session?.status).toBe("running");
    expect(effects).toContainEqual({ type: "emit", body: { type: "event-dropped", eventType: "sdk-message", size: 2_000_000, reason: "too large" } });
  });

  it("denies a dropped approval request at once", () => {
    const { state, effects } = run(running(), [
      ev({ type: "event-dropped", eventType: "approval-request", size: 2_000_000, reason: "too large", requestId: "req-9" }),
    ]);
    expect(state.session?.status).toBe("running");
    expect(effects).toContainEqual(
      expect.objectContaining({
        type: "send-agent",
        frame: expect.objectContaining({ type: "decision", requestId: "req-9", answer: expect.objectContaining({ behavior: "deny" }) }),
      }),
    );
  });

  it("ends the run as failed when its ending is what was dropped, instead of running for ever", () => {
    const { state } = run(running(), [ev({ type: "event-dropped", eventType: "run-ended", size: 2_000_000, reason: "too large" })]);
    expect(state.session?.status).toBe("failed");
    expect(state.session?.statusReason).toMatch(/too large/);
  });

  it("ignores a dropped ending of a run that is not the session's current one", () => {
    const { state } = run(running(), [ev({ type: "event-dropped", eventType: "run-ended", size: 2_000_000, reason: "too large" }, "old-run")]);
    expect(state.session?.status).toBe("running");
  });
});
