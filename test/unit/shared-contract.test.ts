/**
 * One contract, read the same everywhere: the ended statuses, what a decision resolves an approval
 * to, and how a tool result reads. Each consumer (room, web, CLI, search) is asked, not restated.
 */
import { describe, expect, it } from "vitest";
import { transition } from "../../party/core/status";
import { EMPTY_TALLY, tallyMessage } from "../../party/core/tally";
import { DecisionChoice, resolutionOf } from "../../worker/protocol/approval";
import { contentBlocks, toolResultText } from "../../worker/protocol/sdk-message";
import { ACTIVE_STATUSES, ENDED_STATUSES, isEnded, SessionStatus, type SessionSummary } from "../../worker/protocol/session";
import { docsOf } from "../../worker/search/documents";
import { defaultFilter, matchesFilter } from "../../web/src/state/workspace";
import { resultText } from "../../web/src/transcript/build";

const summary = (status: SessionStatus) => ({ status, archived: false, agentId: "agt_1" }) as SessionSummary;

describe("happy", () => {
  it("splits every status into exactly one of queued, active and ended", () => {
    for (const s of SessionStatus.options) {
      // queued and parked wait without a run: neither active nor ended.
      const homes = [s === "queued" || s === "parked", ACTIVE_STATUSES.includes(s), isEnded(s)].filter(Boolean);
      expect(homes, s).toHaveLength(1);
    }
    expect(ENDED_STATUSES).toContain("waiting_for_input");
  });

  it("the web's Ended and Active filters agree with isEnded for every status", () => {
    for (const s of SessionStatus.options) {
      expect(matchesFilter(summary(s), { ...defaultFilter, status: "ended" }), s).toBe(isEnded(s));
      expect(matchesFilter(summary(s), { ...defaultFilter, status: "active" }), s).toBe(!isEnded(s));
    }
  });

  it("the room lets exactly the ended statuses take a continue", () => {
    for (const s of SessionStatus.options) expect(transition(s, { type: "continue" }).ok, s).toBe(isEnded(s));
  });

  it("resolves a decision to its status, comment and edit", () => {
    const cases: [unknown, ReturnType<typeof resolutionOf>][] = [
      [{ decision: "approve" }, { status: "approved", comment: null, updatedInput: null }],
      [
        { decision: "approve", comment: "ok", updatedInput: { a: 1 } },
        { status: "approved", comment: "ok", updatedInput: { a: 1 } },
      ],
      [
        { decision: "approve", comment: "" },
        { status: "approved", comment: null, updatedInput: null },
      ],
      [
        { decision: "deny", comment: "use rg" },
        { status: "denied", comment: "use rg", updatedInput: null },
      ],
    ];
    for (const [choice, want] of cases) expect(resolutionOf(DecisionChoice.parse(choice))).toEqual(want);
  });

  it("reads a tool result the same in the web transcript and the search index", () => {
    const content = [{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }];
    expect(toolResultText(content)).toBe("a\n[image]\nb");
    expect(resultText(content)).toBe(toolResultText(content));
    const message = { type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t1", content }] } };
    const docs = docsOf({ seq: 3, at: 1, type: "sdk-message", message } as never);
    expect(docs.map((d) => d.text)).toEqual(["a\n[image]\nb"]);
  });

  it("counts tool calls from the same blocks the walkers see", () => {
    const message = {
      type: "assistant",
      message: { content: [{ type: "text", text: "hi" }, { type: "tool_use", id: "1" }, { type: "tool_use", id: "2" }, "junk"] },
    };
    expect(contentBlocks(message)).toHaveLength(3);
    expect(tallyMessage(EMPTY_TALLY, message).toolCallCount).toBe(2);
  });
});
