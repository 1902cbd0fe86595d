/**
 * Runs one Claude Code run through the Agent SDK's `query()` and relays everything it says: every SDK message
 * goes out untouched (new message types ship weekly, so nothing is filtered), and every permission prompt
 * becomes an approval the caller answers (run-approvals.ts). The run's ending is folded into one RunOutcome
 * that never throws (run-outcome.ts), because the SDK reports the same ending both as a `result` message and
 * as a thrown error. This module starts the run and holds its handle: interrupt, abort, kill and park.
 */
import { randomUUID } from "node:crypto";
import type { ApprovalAnswer, RunOutcome } from "../worker/protocol/agent";
import type { LaunchSpec } from "../worker/protocol/session";
import { query, type Options, type Query, type SDKResultMessage, type SpawnedProcess } from "@anthropic-ai/claude-agent-sdk";
import { localPolicyHook, type LocalPolicy } from "./local-policy";
import { spawnInGroup } from "./process-group";
import { appendDeferral, claudeConfigDir, findTranscript, untilParkable, ParkedDecision, type ParkedAnswer, type ParkedCall } from "./park";
import { approvalGate, type ApprovalAsk, type AskApproval } from "./run-approvals";
import { errorText, runOutcome } from "./run-outcome";

export interface RunSpec {
  prompt: string;
  cwd: string;
  model?: string;
  maxTurns?: number;
  appendSystemPrompt?: string;
  allowedTools?: string[];
  disallowedTools?: string[];
  additionalDirectories?: string[];
  /** MCP servers by name, passed to the SDK as they are (their tool calls still ask for approval). */
  mcpServers?: LaunchSpec["mcpServers"];
  /** Claude's session id to resume */
  resume?: string;
  /** with resume: fork into a new Claude session id */
  forkSession?: boolean;
  /** with resume: the decision on the call this session parked, applied when Claude Code re-fires it */
  parked?: ParkedAnswer;
}

export interface RunHooks {
  /** EVERY SDK message, untouched (unknown types too) */
  onMessage(message: Record<string, unknown>): void;
  /** `signal` aborts when the CLI withdraws the request (interrupt / cancel); a late answer is then ignored */
  askApproval: AskApproval;
}

// Figures come from the last result. The CLI restores a resumed or forked session's totals from its
// transcript, so after `resume` the cost includes the earlier runs of that Claude session.
export type { ApprovalAnswer, ApprovalAsk, RunOutcome };

export interface RunHandle {
  interrupt(): Promise<void>;
  abort(): void;
  /** Stops the run now: kills Claude Code's whole process group (for a run that must not go on at all). */
  kill(): void;
  /**
   * Parks the one call waiting for approval: Claude Code is ended with the call deferred in its transcript,
   * to be resumed with RunSpec.parked. Refused (the run goes on untouched) when no single call waits.
   */
  park(): Promise<ParkedCall | { refused: string }>;
  done: Promise<RunOutcome>;
}

export interface RunOptions {
  claudePath?: string;
  /**
   * stdio MCP commands this machine's own operator allows (`tower agent --allow-mcp`). The server
   * checks its own allowlist too; this one holds even if the server is compromised.
   */
  allowMcp?: readonly string[];
  /** merged over process.env; a value of `undefined` removes the variable from the child's environment */
  env?: Record<string, string | undefined>;
  stderr?: (line: string) => void;
  /** Names the run in Claude Code's environment (the reaper checks it); a random id when absent. */
  runId?: string;
  /** Records Claude Code's process group here while it lives, for a restarted agent to reap. */
  pidFile?: string;
  /** The machine owner's deny policy (`tower agent --deny-rules`): enforced here, whatever the server says. */
  localPolicy?: LocalPolicy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The SDK's `env` replaces the child's whole environment, so PATH, HOME etc. must be carried over explicitly. */
function childEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The SDK hands stderr over in arbitrary chunks; callers want whole lines. */
function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    push(chunk) {
      const parts = (pending + chunk).split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) emit(line);
    },
    flush() {
      if (pending !== "") emit(pending);
      pending = "";
    },
  };
}

export function startRun(spec: RunSpec, hooks: RunHooks, options: RunOptions = {}): RunHandle {
  const startedAt = Date.now();
  const abortController = new AbortController();
  // Either way of stopping ends the CLI's turn with error_during_execution; only we know it was on purpose.
  let stopRequested = false;
  // In single-prompt mode the run is over once its result arrives, even while the process winds down.
  let settled = false;
  // Closing stdin does not stop the CLI: it finishes the turn (denying a pending tool) and may still report
  // success, which is not what the human who pressed stop asked for.
  let abortedBeforeResult = false;
  let parking = false;
  let sessionId: string | undefined;
  const env = childEnv(options.env);
  const parkedDecision = spec.parked ? new ParkedDecision(spec.parked) : undefined;

  // The calls it holds are the ones a park() may defer.
  const { canUseTool, waiting } = approvalGate({
    cwd: spec.cwd,
    askApproval: (ask, signal) => hooks.askApproval(ask, signal),
    ...(options.localPolicy ? { localPolicy: options.localPolicy } : {}),
    ...(parkedDecision ? { parkedDecision } : {}),
    onStopRequested: () => void (stopRequested = true),
  });

  // The owner's local policy first: its deny stands over any allow a later hook or the server gives.
  const preToolUse = [
    ...(options.localPolicy ? [{ hooks: [localPolicyHook(options.localPolicy, spec.cwd)], onFailure: "block" as const }] : []),
    ...(parkedDecision ? [{ hooks: [parkedDecision.hook], onFailure: "block" as const }] : []),
  ];
  const stderr = options.stderr ? lineSplitter(options.stderr) : undefined;
  let child: SpawnedProcess | undefined;
  const sdkOptions: Options = {
    cwd: spec.cwd,
    abortController,
    // Explicit, because an omitted mode starts in the settings' defaultMode or 'auto', where a classifier
    // approves calls that should reach a human.
    permissionMode: "default",
    canUseTool,
    // `stream_event` deltas, so people watch the text as Claude writes it (relayed live, never stored).
    includePartialMessages: true,
    // The SDK's own default prompt is not Claude Code's; users expect Claude Code's behaviour.
    systemPrompt: { type: "preset", preset: "claude_code", ...(spec.appendSystemPrompt ? { append: spec.appendSystemPrompt } : {}) },
    // Isolation: with sources loaded, the developer's own settings (allow rules, hooks, defaultMode) could
    // approve tool calls silently on this machine, and every approval must come through Tower instead.
    settingSources: [],
    env,
    ...(preToolUse.length ? { hooks: { PreToolUse: preToolUse } } : {}),
    ...(options.claudePath ? { pathToClaudeCodeExecutable: options.claudePath } : {}),
    // Its own process group, so stopping the run stops all it started, and a pid file outlives a killed agent.
    spawnClaudeCodeProcess: (o) => {
      child = spawnInGroup(o, {
        runId: options.runId ?? randomUUID(),
        ...(options.pidFile ? { pidFile: options.pidFile } : {}),
        ...(stderr ? { stderr: (chunk: string) => stderr.push(chunk) } : {}),
      });
      return child;
    },
    ...(spec.model ? { model: spec.model } : {}),
    ...(spec.maxTurns !== undefined ? { maxTurns: spec.maxTurns } : {}),
    ...(spec.allowedTools ? { allowedTools: spec.allowedTools } : {}),
    ...(spec.disallowedTools ? { disallowedTools: spec.disallowedTools } : {}),
    ...(spec.additionalDirectories ? { additionalDirectories: spec.additionalDirectories } : {}),
    ...(spec.mcpServers ? { mcpServers: spec.mcpServers } : {}),
    ...(spec.resume ? { resume: spec.resume, ...(spec.forkSession ? { forkSession: true } : {}) } : {}),
  };

  let q: Query | undefined;
  let startError: unknown;
  try {
    q = query({ prompt: spec.prompt, options: sdkOptions });
  } catch (err) {
    startError = err;
  }

  const done = (async (): Promise<RunOutcome> => {
    let last: SDKResultMessage | undefined;
    let thrown: unknown = startError;
    if (q) {
      try {
        for await (const message of q) {
          const record: Record<string, unknown> = isRecord(message) ? message : { value: message };
          if (typeof record.session_id === "string" && record.session_id !== "") sessionId = record.session_id;
          if (message.type === "result") {
            last = message;
            settled = true;
            abortedBeforeResult = abortController.signal.aborted;
          }
          try {
            hooks.onMessage(record);
          } catch (err) {
            // A relay bug must not take the Claude Code process down with it.
            stderr?.flush();
            options.stderr?.(`onMessage threw: ${errorText(err)}`);
          }
        }
      } catch (err) {
        // After an error result the SDK throws; the result already yielded is the truth.
        thrown = err;
      }
    }
    settled = true;
    stderr?.flush();
    const aborted = abortController.signal.aborted;
    return runOutcome({ last, sessionId, thrown, aborted, abortedBeforeResult, parking, stopRequested, startedAt, now: Date.now() });
  })();

  return {
    done,
    async interrupt() {
      if (!q || settled) return;
      stopRequested = true;
      try {
        await q.interrupt();
      } catch (err) {
        // The run may end (or be aborted) meanwhile; only a live run's failure is the caller's concern.
        if (!settled && !abortController.signal.aborted) throw err;
      }
    },
    abort() {
      stopRequested = true;
      abortController.abort();
    },
    kill() {
      stopRequested = true;
      abortController.abort();
      child?.kill("SIGKILL");
    },
    async park() {
      const held = [...waiting.values()];
      if (settled || parking) return { refused: "the run is ending" };
      if (held.length !== 1) return { refused: `${held.length} calls wait for approval; only a lone call can be parked` };
      const toolUseId = held[0]?.toolUseId;
      if (!toolUseId) return { refused: "Claude Code gave this call no tool_use id" };
      const locate = () => (sessionId ? findTranscript(claudeConfigDir(env), sessionId) : undefined);
      const check = await untilParkable(locate, toolUseId, () => !settled && waiting.size === 1);
      if ("refused" in check) return check;
      const transcript = check.path;
      // SIGKILL before anything else: a signal Claude Code could handle, or a closed stdin, makes it record
      // the call as failed, and a resumed session would then ask the model again.
      parking = true;
      stopRequested = true;
      child?.kill("SIGKILL");
      abortController.abort();
      await done;
      return appendDeferral(transcript, toolUseId);
    },
  };
}
