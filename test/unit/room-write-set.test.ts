import { describe, expect, it } from "vitest";
import { coalesce, type RoomWrite } from "../../party/room-write-set";

/** What the rule-decided steps of a burst stage: each its request's events, approval, session, outbox rows. */
const call = (n: number): RoomWrite[] => [
  { kind: "event", seq: 2 * n - 1, at: n, body: `{"type":"approval-requested","n":${n}}` },
  { kind: "event", seq: 2 * n, at: n, body: `{"type":"approval-decided","n":${n}}` },
  { kind: "approval", id: `apr_${n}`, body: `pending ${n}` },
  { kind: "approval", id: `apr_${n}`, body: `allowed ${n}` },
  { kind: "session", body: `session after ${n}` },
  { kind: "ingested", id: `ev_${n}`, runId: "run-a", seq: n },
  { kind: "outbox", target: "d1", key: "summary", body: "{}" },
  { kind: "outbox", target: "d1", key: `audit:${2 * n}`, body: `audit ${n}` },
  { kind: "outbox", target: "d1", key: `approval:apr_${n}`, body: `public ${n}` },
  { kind: "schedule", key: "outbox", dueAt: 10_000 + n, timer: "outbox", keep: true },
];

describe("a batch of held writes, coalesced", () => {
  it("writes the session once, each approval and outbox row once (its last version), every event in order", () => {
    const c = coalesce([1, 2, 3].flatMap(call));
    expect(c.session).toBe("session after 3");
    expect(c.events.map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.approvals).toEqual([
      ["apr_1", "allowed 1"],
      ["apr_2", "allowed 2"],
      ["apr_3", "allowed 3"],
    ]);
    expect(c.ingested).toEqual(["ev_1", "ev_2", "ev_3"]);
    expect(c.runSeq).toEqual([["run-a", 3]]);
    // The first retry armed stands (kept): later ones would have done nothing.
    expect(c.schedules).toEqual({ set: [], keep: [["outbox", 10_001, "outbox"]], drop: [] });
    // A row replaced takes a new id after those queued before it: the summary, queued again by call 3, comes after call 2's rows.
    expect(c.outbox.map(([, key]) => key)).toEqual(["audit:2", "approval:apr_1", "audit:4", "approval:apr_2", "summary", "audit:6", "approval:apr_3"]);
  });

  it("leaves each timer as the statements in order would: a kept set does nothing over a row, and sets one dropped", () => {
    const s = (key: string, dueAt: number, keep = false): RoomWrite => ({ kind: "schedule", key, dueAt, timer: key, keep });
    const drop = (key: string): RoomWrite => ({ kind: "unschedule", key });
    const c = coalesce([s("a", 1), s("a", 2, true), s("b", 1), drop("b"), s("b", 3, true), s("c", 1), drop("c"), s("d", 5, true), s("d", 6, true)]);
    expect(c.schedules).toEqual({
      set: [
        ["a", 1, "a"],
        ["b", 3, "b"],
      ],
      keep: [["d", 5, "d"]],
      drop: ["c"],
    });
  });

  it("keeps the highest number of each run, whatever order its events came in", () => {
    const c = coalesce([
      { kind: "ingested", id: "x", runId: "r", seq: 5 },
      { kind: "ingested", id: "y", runId: "r", seq: 4 },
      { kind: "ingested", id: "z" },
    ]);
    expect(c.runSeq).toEqual([["r", 5]]);
    expect(c.ingested).toEqual(["x", "y", "z"]);
    expect(coalesce([]).session).toBeNull();
  });

  it("carries earlier deliveries' bookkeeping: every delivered row once, and the furthest index cursor", () => {
    const c = coalesce([
      { kind: "outbox-drop", ids: [3, 4] },
      { kind: "index-cursor", seq: 40 },
      ...call(1),
      { kind: "outbox-drop", ids: [4, 7] },
      { kind: "index-cursor", seq: 12 },
    ]);
    expect(c.outboxDrop).toEqual([3, 4, 7]);
    expect(c.indexCursor).toBe(40);
    expect(coalesce(call(1)).indexCursor).toBeNull();
    expect(coalesce(call(1)).outboxDrop).toEqual([]);
  });
});
