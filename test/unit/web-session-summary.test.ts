import { describe, expect, it } from "vitest";
import type { SessionEvent } from "../../worker/protocol/events";
import type { SessionStatus, SessionSummary } from "../../worker/protocol/session";
import { isNewerSummary, newerSummary, summaryAfterEvents } from "../../web/src/state/session-summary";

const summary = (over: Partial<SessionSummary> = {}): SessionSummary =>
  ({
    id: "ses_00000000000000000001" as SessionSummary["id"],
    workspaceId: "wsp_00000000000000000001" as SessionSummary["workspaceId"],
    agentId: "agt_00000000000000000001" as SessionSummary["agentId"],
    agentName: "m1",
    ownerId: "",
    title: "t",
    prompt: "p",
    cwd: "/w",
    model: null,
    status: "running",
    statusReason: "",
    archived: false,
    parentSessionId: null,
    claudeSessionId: null,
    messageCount: 0,
    toolCallCount: 0,
    pendingApprovals: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    numTurns: 0,
    lastSeq: 5,
    result: null,
    createdAt: 1,
    updatedAt: 100,
    endedAt: null,
    ...over,
  }) as SessionSummary;

const statusChanged = (seq: number, at: number, to: SessionStatus): SessionEvent =>
  ({ seq, at, type: "status-changed", from: null, to, reason: `now ${to}` }) as SessionEvent;

describe("happy", () => {
  it("keeps the status a live event set when a hub copy written before that event arrives late", () => {
    const live = summaryAfterEvents(summary(), [statusChanged(6, 200, "completed")])!;
    expect(live).toMatchObject({ status: "completed", statusReason: "now completed", lastSeq: 6, updatedAt: 200 });
    // The hub's copy from before the end: updated later than the snapshot, yet it knows fewer events.
    const lateHubCopy = summary({ status: "running", lastSeq: 5, updatedAt: 150 });
    expect(isNewerSummary(live, lateHubCopy)).toBe(false);
    expect(newerSummary(live, lateHubCopy).status).toBe("completed");
  });

  it("takes a copy that knows more events, or the same events changed later (a rename)", () => {
    const cur = summary({ lastSeq: 6, updatedAt: 200 });
    expect(isNewerSummary(cur, summary({ lastSeq: 7, updatedAt: 190, status: "waiting_for_approval" }))).toBe(true);
    expect(isNewerSummary(cur, summary({ lastSeq: 6, updatedAt: 250, title: "renamed" }))).toBe(true);
    expect(isNewerSummary(cur, summary({ lastSeq: 6, updatedAt: 199 }))).toBe(false);
    expect(isNewerSummary(null, summary())).toBe(true);
  });

  it("does not replay backlog events the snapshot already reflects", () => {
    const snap = summary({ status: "completed", lastSeq: 8, updatedAt: 300 });
    const after = summaryAfterEvents(snap, [statusChanged(3, 50, "running"), statusChanged(8, 300, "completed")]);
    expect(after).toEqual(snap);
  });

  it("applies a page of events in order, ending at the last status", () => {
    const after = summaryAfterEvents(summary(), [
      statusChanged(6, 110, "waiting_for_approval"),
      { seq: 7, at: 120, type: "approval-requested" } as unknown as SessionEvent,
      statusChanged(8, 130, "running"),
    ]);
    expect(after).toMatchObject({ status: "running", lastSeq: 8, updatedAt: 130 });
  });
});

describe("errors", () => {
  it("never moves a late snapshot's older status over a newer one", () => {
    const cur = summary({ status: "failed", lastSeq: 9, updatedAt: 400 });
    expect(newerSummary(cur, summary({ status: "running", lastSeq: 4, updatedAt: 500 })).status).toBe("failed");
  });

  it("has no summary to move before the snapshot", () => {
    expect(summaryAfterEvents(null, [statusChanged(1, 1, "running")])).toBeNull();
  });
});
