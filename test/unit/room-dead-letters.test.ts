import { describe, expect, it } from "vitest";
import type { RoomInput, RoomState } from "../../party/core/room";
import type { AgentEvent } from "../../worker/protocol/agent";
import { roomDriver } from "./room-driver";

const driver = roomDriver();
const { run } = driver;
// Dead letters are judged in the agent's order: every event here carries its run and sequence number.
const ev = (event: AgentEvent, runId = "run1"): RoomInput => driver.ev(event, runId);
const running = (): RoomState => driver.running([], "run1");

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
