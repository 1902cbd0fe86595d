/**
 * Folds relayed SDK messages into the numbers a session list shows (messages, tool calls, cost,
 * tokens, turns) and picks out Claude's own session id. Pure; unknown message shapes are ignored.
 */
import { isRecord, toolUses } from "../../worker/protocol/sdk-message";

export interface RunFigures {
  inputTokens: number;
  outputTokens: number;
  numTurns: number;
}

export interface Tally {
  messageCount: number;
  toolCallCount: number;
  /** Tokens and turns of runs that have ended; the live run's figures are added on top. */
  settled: RunFigures;
  live: RunFigures;
  /**
   * Claude Code restores a session's cost from its transcript on resume and fork, so the cost it
   * reports is cumulative across runs: keep the latest figure, minus what a fork inherited.
   */
  claudeCostUsd: number;
  costBaselineUsd: number;
}

export const ZERO_FIGURES: RunFigures = { inputTokens: 0, outputTokens: 0, numTurns: 0 };
export const EMPTY_TALLY: Tally = {
  messageCount: 0,
  toolCallCount: 0,
  settled: ZERO_FIGURES,
  live: ZERO_FIGURES,
  claudeCostUsd: 0,
  costBaselineUsd: 0,
};

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Adds one SDK message to the tally. */
export function tallyMessage(t: Tally, message: Record<string, unknown>): Tally {
  switch (message.type) {
    case "assistant": {
      const tools = toolUses(message).length;
      return { ...t, messageCount: t.messageCount + 1, toolCallCount: t.toolCallCount + tools };
    }
    case "user":
      return { ...t, messageCount: t.messageCount + 1 };
    case "result": {
      const usage = isRecord(message.usage) ? message.usage : {};
      return {
        ...t,
        claudeCostUsd: Math.max(t.claudeCostUsd, num(message.total_cost_usd)),
        live: {
          inputTokens: num(usage.input_tokens) + num(usage.cache_read_input_tokens) + num(usage.cache_creation_input_tokens),
          outputTokens: num(usage.output_tokens),
          numTurns: num(message.num_turns),
        },
      };
    }
    default:
      return t;
  }
}

/** Closes the live run: its final figures (from the agent's outcome, if any) join the settled ones. */
export function settleRun(t: Tally, final: (RunFigures & { costUsd: number }) | null): Tally {
  const run = final ?? t.live;
  return {
    ...t,
    claudeCostUsd: Math.max(t.claudeCostUsd, final?.costUsd ?? 0),
    settled: {
      inputTokens: t.settled.inputTokens + run.inputTokens,
      outputTokens: t.settled.outputTokens + run.outputTokens,
      numTurns: t.settled.numTurns + run.numTurns,
    },
    live: ZERO_FIGURES,
  };
}

export function totals(t: Tally): RunFigures & { costUsd: number } {
  return {
    costUsd: Math.max(0, t.claudeCostUsd - t.costBaselineUsd),
    inputTokens: t.settled.inputTokens + t.live.inputTokens,
    outputTokens: t.settled.outputTokens + t.live.outputTokens,
    numTurns: t.settled.numTurns + t.live.numTurns,
  };
}

/** Claude's session id, from `system/init` (sent at the start of every turn). */
export function claudeSessionIdOf(message: Record<string, unknown>): string | null {
  return message.type === "system" && message.subtype === "init" && typeof message.session_id === "string" ? message.session_id : null;
}
