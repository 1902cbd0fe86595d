/**
 * Folds relayed SDK messages into the numbers a session list shows (messages, tool calls, cost,
 * tokens, turns) and picks out Claude's own session id. Pure; unknown message shapes are ignored.
 */
export interface Tally {
  messageCount: number;
  toolCallCount: number;
  /** Cost and tokens of runs that have ended; the live run's figures are added on top. */
  settled: RunFigures;
  live: RunFigures;
}

export interface RunFigures {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  numTurns: number;
}

export const ZERO_FIGURES: RunFigures = { costUsd: 0, inputTokens: 0, outputTokens: 0, numTurns: 0 };
export const EMPTY_TALLY: Tally = { messageCount: 0, toolCallCount: 0, settled: ZERO_FIGURES, live: ZERO_FIGURES };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function contentBlocks(message: Record<string, unknown>): Record<string, unknown>[] {
  const inner = message.message;
  if (!isRecord(inner) || !Array.isArray(inner.content)) return [];
  return inner.content.filter(isRecord);
}

/** Adds one SDK message to the tally. */
export function tallyMessage(t: Tally, message: Record<string, unknown>): Tally {
  switch (message.type) {
    case "assistant": {
      const tools = contentBlocks(message).filter((b) => b.type === "tool_use").length;
      return { ...t, messageCount: t.messageCount + 1, toolCallCount: t.toolCallCount + tools };
    }
    case "user":
      return { ...t, messageCount: t.messageCount + 1 };
    case "result": {
      // Claude Code reports cost cumulatively within one process: the latest result is the run's figure.
      const usage = isRecord(message.usage) ? message.usage : {};
      return {
        ...t,
        live: {
          costUsd: num(message.total_cost_usd),
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

/** Closes the live run: its final figures join the settled ones. */
export function settleRun(t: Tally, final: RunFigures | null): Tally {
  const run = final ?? t.live;
  return {
    ...t,
    settled: {
      costUsd: t.settled.costUsd + run.costUsd,
      inputTokens: t.settled.inputTokens + run.inputTokens,
      outputTokens: t.settled.outputTokens + run.outputTokens,
      numTurns: t.settled.numTurns + run.numTurns,
    },
    live: ZERO_FIGURES,
  };
}

export function totals(t: Tally): RunFigures {
  return {
    costUsd: t.settled.costUsd + t.live.costUsd,
    inputTokens: t.settled.inputTokens + t.live.inputTokens,
    outputTokens: t.settled.outputTokens + t.live.outputTokens,
    numTurns: t.settled.numTurns + t.live.numTurns,
  };
}

/** Claude's session id, from `system/init` (sent at the start of every turn). */
export function claudeSessionIdOf(message: Record<string, unknown>): string | null {
  return message.type === "system" && message.subtype === "init" && typeof message.session_id === "string"
    ? message.session_id
    : null;
}
