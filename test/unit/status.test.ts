import { describe, expect, it } from "vitest";
import { needsAgent, transition, type Trigger } from "../../party/core/status";
import type { SessionStatus } from "../../worker/protocol/session";

// One row per (from, trigger): the expected status, or the refusal code.
const table: [SessionStatus, Trigger, SessionStatus | `!${string}`][] = [
  ["queued", { type: "run-started" }, "starting"],
  ["starting", { type: "claude-ready" }, "running"],
  ["running", { type: "claude-ready" }, "running"],
  ["running", { type: "approval-requested" }, "waiting_for_approval"],
  ["starting", { type: "approval-requested" }, "waiting_for_approval"],
  ["waiting_for_approval", { type: "approval-requested" }, "waiting_for_approval"],
  ["interrupting", { type: "approval-requested" }, "interrupting"],
  ["completed", { type: "approval-requested" }, "!SESSION_CLOSED"],
  ["waiting_for_approval", { type: "approvals-cleared" }, "running"],
  ["interrupting", { type: "approvals-cleared" }, "interrupting"],
  ["queued", { type: "interrupt" }, "interrupted"],
  ["running", { type: "interrupt" }, "interrupting"],
  ["waiting_for_approval", { type: "interrupt" }, "interrupting"],
  ["starting", { type: "interrupt" }, "interrupting"],
  ["completed", { type: "interrupt" }, "!SESSION_CLOSED"],
  ["failed", { type: "interrupt" }, "!SESSION_CLOSED"],
  ["running", { type: "run-ended", outcome: "success" }, "completed"],
  ["running", { type: "run-ended", outcome: "max_turns" }, "waiting_for_input"],
  ["running", { type: "run-ended", outcome: "error" }, "failed"],
  ["running", { type: "run-ended", outcome: "interrupted" }, "interrupted"],
  ["interrupting", { type: "run-ended", outcome: "success" }, "interrupted"],
  ["waiting_for_approval", { type: "run-ended", outcome: "error" }, "failed"],
  ["completed", { type: "run-ended", outcome: "success" }, "!CONFLICT"],
  ["queued", { type: "run-ended", outcome: "success" }, "!CONFLICT"],
  ["running", { type: "agent-lost" }, "failed"],
  ["waiting_for_approval", { type: "agent-lost" }, "failed"],
  ["interrupting", { type: "agent-lost" }, "failed"],
  ["completed", { type: "agent-lost" }, "!CONFLICT"],
  ["completed", { type: "continue" }, "queued"],
  ["failed", { type: "continue" }, "queued"],
  ["interrupted", { type: "continue" }, "queued"],
  ["waiting_for_input", { type: "continue" }, "queued"],
  ["running", { type: "continue" }, "!CONFLICT"],
  ["completed", { type: "run-started" }, "!CONFLICT"],
];

describe("session status machine", () => {
  it.each(table)("%s + %o → %s", (from, trigger, expected) => {
    const t = transition(from, trigger);
    if (expected.startsWith("!")) {
      expect(t.ok).toBe(false);
      if (!t.ok) expect(t.code).toBe(expected.slice(1));
    } else {
      expect(t).toEqual({ ok: true, to: expected });
    }
  });

  it("needs a connected agent exactly while Claude Code may be working", () => {
    const all: SessionStatus[] = [
      "queued",
      "starting",
      "running",
      "waiting_for_approval",
      "waiting_for_input",
      "interrupting",
      "interrupted",
      "completed",
      "failed",
    ];
    expect(all.filter(needsAgent)).toEqual(["starting", "running", "waiting_for_approval", "interrupting"]);
  });
});
