/**
 * Folds relayed SDK messages into the numbers a session list shows (messages, tool calls, cost,
 * tokens, turns) and picks out Claude's own session id. Pure; unknown message shapes are ignored.
 * Tokens and turns are live: each `assistant` message carries its API response's usage, so they
 * move while a run goes; the run's `result` then replaces the estimate with Claude's own figures.
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
  /**
   * The live run's latest API responses, as counted into `live`. Claude Code sends each content
   * block as its own `assistant` message with the response's usage, so a response counts once.
   */
  recent?: readonly CountedResponse[];
}

export interface CountedResponse {
  id: string;
  inputTokens: number;
  outputTokens: number;
}

/** Enough to recognise the blocks of the responses in flight (sub-agents interleave with the main thread). */
const RECENT = 16;

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
      return countResponse({ ...t, messageCount: t.messageCount + 1, toolCallCount: t.toolCallCount + tools }, message);
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
        recent: [],
      };
    }
    default:
      return t;
  }
}

/** Adds an assistant message's usage to the live run, counting each API response (message id) once. */
function countResponse(t: Tally, message: Record<string, unknown>): Tally {
  const inner = isRecord(message.message) ? message.message : {};
  const usage = isRecord(inner.usage) ? inner.usage : null;
  const id = typeof inner.id === "string" ? inner.id : null;
  if (!usage || !id) return t;
  const now: CountedResponse = {
    id,
    inputTokens: num(usage.input_tokens) + num(usage.cache_read_input_tokens) + num(usage.cache_creation_input_tokens),
    outputTokens: num(usage.output_tokens),
  };
  const recent = t.recent ?? [];
  const seen = recent.find((r) => r.id === id);
  // A sub-agent's responses cost tokens but are not turns of the session (Claude's num_turns agrees).
  const isTurn = !seen && typeof message.parent_tool_use_id !== "string";
  return {
    ...t,
    live: {
      inputTokens: t.live.inputTokens + Math.max(0, now.inputTokens - (seen?.inputTokens ?? 0)),
      outputTokens: t.live.outputTokens + Math.max(0, now.outputTokens - (seen?.outputTokens ?? 0)),
      numTurns: t.live.numTurns + (isTurn ? 1 : 0),
    },
    recent: [
      ...recent.filter((r) => r.id !== id).slice(-(RECENT - 1)),
      { id, inputTokens: Math.max(now.inputTokens, seen?.inputTokens ?? 0), outputTokens: Math.max(now.outputTokens, seen?.outputTokens ?? 0) },
    ],
  };
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
    recent: [],
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
