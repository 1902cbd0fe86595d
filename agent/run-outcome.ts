/**
 * How a Claude Code run's ending becomes one RunOutcome (runner.ts): from the last `result` message, or
 * from what was thrown when none came, and from why the run was stopped. Pure, because the SDK reports
 * one ending both as a result and as an error, and only what the runner knows says which was meant.
 */
import type { SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import type { RunOutcome } from "../worker/protocol/agent";
import { readResult } from "../worker/protocol/sdk-message";
import { explainClaudeError } from "./claude-auth";

/** What the runner knows of the run besides its messages. */
export interface RunEnding {
  /** The last `result` message, if any came. */
  last: SDKResultMessage | undefined;
  /** Claude's session id, from the last message that named one. */
  sessionId: string | undefined;
  /** What the SDK threw (or `query()` did), if anything. */
  thrown: unknown;
  /** The run was aborted (abort, kill or park). */
  aborted: boolean;
  /** The abort came before the result, whose success then is not what the person who stopped it asked for. */
  abortedBeforeResult: boolean;
  /** park() ended it. */
  parking: boolean;
  /** Someone stopped it on purpose (interrupt, abort, a denial that interrupts). */
  stopRequested: boolean;
  startedAt: number;
  now: number;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function usageTotals(result: SDKResultMessage): Pick<RunOutcome, "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheCreationTokens"> {
  // modelUsage covers every model call of the process (subagents, compaction); `usage` is the main loop only.
  const models = Object.values(result.modelUsage ?? {});
  if (models.length > 0) {
    return models.reduce(
      (t, m) => ({
        inputTokens: t.inputTokens + (m.inputTokens ?? 0),
        outputTokens: t.outputTokens + (m.outputTokens ?? 0),
        cacheReadTokens: t.cacheReadTokens + (m.cacheReadInputTokens ?? 0),
        cacheCreationTokens: t.cacheCreationTokens + (m.cacheCreationInputTokens ?? 0),
      }),
      { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
    );
  }
  const usage: Record<string, unknown> = isRecord(result.usage) ? result.usage : {};
  const num = (key: string) => (typeof usage[key] === "number" ? usage[key] : 0);
  return {
    inputTokens: num("input_tokens"),
    outputTokens: num("output_tokens"),
    cacheReadTokens: num("cache_read_input_tokens"),
    cacheCreationTokens: num("cache_creation_input_tokens"),
  };
}

/** The run's outcome; never throws. Figures come from the last result (after `resume`, the whole Claude session's). */
export function runOutcome(end: RunEnding): RunOutcome {
  const { last, sessionId, thrown, aborted, parking } = end;
  if (!last) {
    const error = parking ? "parked" : aborted ? "aborted" : thrown !== undefined ? errorText(thrown) : "Claude Code ended without a result";
    const zero = { costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 0 };
    return { kind: aborted ? "interrupted" : "error", claudeSessionId: sessionId, error, ...zero, durationMs: end.now - end.startedAt };
  }
  const base = {
    claudeSessionId: last.session_id || sessionId,
    costUsd: last.total_cost_usd ?? 0,
    ...usageTotals(last),
    numTurns: last.num_turns ?? 0,
    durationMs: last.duration_ms ?? end.now - end.startedAt,
  };
  if (end.abortedBeforeResult || parking) return { kind: "interrupted", error: parking ? "parked" : "aborted", ...base };
  if (last.subtype === "success") {
    // An API failure also ends as subtype success, but with is_error and the error text in `result`.
    return last.is_error
      ? { kind: "error", error: explainClaudeError(last.result), result: last.result, ...base }
      : { kind: "success", result: last.result, ...base };
  }
  // readResult drops Claude Code's own diagnostics; an interrupt has nothing more to say than that it was one.
  const read = readResult(last as unknown as Record<string, unknown>);
  const error = read.text || (read.outcome === "interrupted" ? "interrupted" : `Claude Code stopped (${last.subtype})`);
  if (last.subtype === "error_max_turns") return { kind: "max_turns", error, ...base };
  if (last.subtype === "error_during_execution" && end.stopRequested) return { kind: "interrupted", error, ...base };
  return { kind: "error", error, ...base };
}
