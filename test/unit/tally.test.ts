import { describe, expect, it } from "vitest";
import { EMPTY_TALLY, settleRun, tallyMessage, totals, type Tally } from "../../party/core/tally";

/** One `assistant` message as Claude Code streams it: one content block, the response's usage so far. */
const assistant = (id: string, usage: Record<string, number>, parent: string | null = null, block: Record<string, unknown> = { type: "text", text: "hi" }) => ({
  type: "assistant",
  message: { id, role: "assistant", content: [block], usage },
  parent_tool_use_id: parent,
});
const fold = (t: Tally, messages: Record<string, unknown>[]) => messages.reduce(tallyMessage, t);

describe("live figures", () => {
  it("counts tokens and turns from each assistant message while the run goes, before any result", () => {
    const t = fold(EMPTY_TALLY, [
      assistant("msg_1", { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1 }),
      assistant("msg_2", { input_tokens: 20, output_tokens: 7 }),
    ]);
    expect(totals(t)).toMatchObject({ inputTokens: 135, outputTokens: 8, numTurns: 2 });
  });

  it("counts the blocks of one API response once (each block is its own message with the same usage)", () => {
    const t = fold(EMPTY_TALLY, [
      assistant("msg_1", { input_tokens: 10, output_tokens: 1 }),
      assistant("msg_1", { input_tokens: 10, output_tokens: 1 }, null, { type: "tool_use", id: "toolu_1", name: "Write", input: {} }),
      assistant("msg_1", { input_tokens: 10, output_tokens: 30 }),
    ]);
    expect(totals(t)).toMatchObject({ inputTokens: 10, outputTokens: 30, numTurns: 1 });
  });

  it("counts a sub-agent's tokens but not its responses as the session's turns", () => {
    const t = fold(EMPTY_TALLY, [
      assistant("msg_1", { input_tokens: 10, output_tokens: 2 }),
      assistant("msg_sub", { input_tokens: 4, output_tokens: 3 }, "toolu_task"),
    ]);
    expect(totals(t)).toMatchObject({ inputTokens: 14, outputTokens: 5, numTurns: 1 });
  });

  it("takes the run's result as the truth once it arrives, and settles it when the run ends", () => {
    const live = fold(EMPTY_TALLY, [
      assistant("msg_1", { input_tokens: 10, output_tokens: 1 }),
      { type: "result", subtype: "success", num_turns: 2, total_cost_usd: 0.01, usage: { input_tokens: 20, output_tokens: 40 } },
    ]);
    expect(totals(live)).toMatchObject({ inputTokens: 20, outputTokens: 40, numTurns: 2, costUsd: 0.01 });
    const next = fold(settleRun(live, null), [assistant("msg_9", { input_tokens: 5, output_tokens: 5 })]);
    expect(totals(next)).toMatchObject({ inputTokens: 25, outputTokens: 45, numTurns: 3 });
  });
});
