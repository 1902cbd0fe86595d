/**
 * Runs one launch order: starts Claude Code through the runner and relays everything over the
 * session's channel: SDK messages (partial ones go out live as text deltas, unjournalled), approval requests (answered by the room's decisions, withdrawn
 * when Claude Code cancels them), interrupts, and the run's outcome.
 */
import { statSync } from "node:fs";
import { type LaunchOrder, type ApprovalAnswer, type RunOutcome, unranOutcome } from "../../worker/protocol/agent";
import type { Json } from "../../worker/protocol/json";
import { inputSha256, type ParkedCall } from "../park";
import { startRun, type RunHandle, type RunOptions } from "../runner";
import { LiveTextRelay } from "./live-text";
import type { TrustStore } from "./trust";
import type { HeldCall } from "../verify-decision";
import type { SessionChannel } from "./session-channel";

/** How long an interrupted run may take to stop before it is killed. */
const INTERRUPT_GRACE_MS = 10_000;

export interface ActiveRun {
  order: LaunchOrder;
  handle: RunHandle;
  /** Stops the run; `reason` (e.g. the agent shutting down) is reported with its ending. */
  interrupt(reason?: string): void;
  /**
   * Parks the run when a lone call waits for approval (reported as run-parked, the approval left open for
   * Tower to decide later). When it cannot be parked: interrupted with `orElse` (the agent stopping), or left running.
   */
  park(orElse?: string): void;
  /** The session was cancelled before the room saw this run start: kill Claude Code now. */
  cancel(): void;
  done: Promise<RunOutcome>;
}

/**
 * `trust`: set when this machine requires signed decisions (agent/daemon/trust.ts); every approve is then
 * verified against the call held here before Claude Code sees it, and a refused one is reported, not applied.
 */
export function relayRun(order: LaunchOrder, channel: SessionChannel, options: RunOptions, trust?: TrustStore | null): ActiveRun {
  const waiting = new Map<string, (answer: ApprovalAnswer) => void>();
  const held = new Map<string, HeldCall>();
  channel.send(order.runId, { type: "run-started", runId: order.runId });
  const unusable = checkCwd(order.spec.cwd);
  if (unusable) return refused(order, channel, unusable);
  const mcp = checkMcp(order, options.allowMcp ?? []);
  if (mcp) return refused(order, channel, mcp);

  // Until Claude Code reports init there is no turn to interrupt: a stop then kills it instead.
  let ready = false;
  const liveText = new LiveTextRelay((delta) => channel.sendLive(delta));
  const handle = startRun(
    {
      ...order.spec,
      ...(order.resume ? { resume: order.resume } : {}),
      ...(order.fork ? { forkSession: true } : {}),
      // A parked call is resumed with no new prompt: Claude Code re-fires the call, and the decision answers it.
      ...(order.parked ? { prompt: "", parked: order.parked } : {}),
    },
    {
      onMessage: (message) => {
        if (message.type === "system" && message.subtype === "init") ready = true;
        if (liveText.take(message)) return;
        channel.send(order.runId, { type: "sdk-message", message: message as Record<string, Json> });
      },
      askApproval: (ask, signal) =>
        new Promise<ApprovalAnswer>((resolve) => {
          waiting.set(ask.requestId, resolve);
          if (trust) held.set(ask.requestId, { sessionId: order.sessionId, toolUseId: ask.toolUseId ?? null, inputSha256: inputSha256(ask.input) });
          channel.send(order.runId, {
            type: "approval-request",
            requestId: ask.requestId,
            toolName: ask.toolName,
            input: ask.input as Record<string, Json>,
            ...(ask.toolUseId ? { toolUseId: ask.toolUseId } : {}),
            ...(ask.title ? { title: ask.title } : {}),
            ...(ask.description ? { description: ask.description } : {}),
            ...(ask.requiresUserInteraction ? { requiresUserInteraction: true } : {}),
            ...(ask.suppressAlwaysAllowRule ? { suppressAlwaysAllowRule: true } : {}),
          });
          signal.addEventListener("abort", () => {
            // A parked call is not withdrawn: it stays open in Tower until decided.
            if (parking) return;
            if (waiting.delete(ask.requestId)) channel.send(order.runId, { type: "approval-withdrawn", requestId: ask.requestId });
          });
        }),
    },
    options,
  );

  let interrupting = false;
  let interruptReason: string | undefined;
  let parking: Promise<ParkedCall | { refused: string }> | null = null;
  const park = (orElse?: string) => {
    if (parking || interrupting) return;
    const requestId = [...waiting.keys()][0];
    parking = handle.park();
    void parking.then((parked) => {
      if (!("refused" in parked) && requestId) return;
      parking = null;
      // The ending says why it was not parked, so a lost approval is never a mystery.
      if (orElse) interrupt("refused" in parked ? `${orElse}; it could not be parked: ${parked.refused}` : orElse);
    });
  };
  const interrupt = (reason?: string) => {
    if (interrupting) return;
    interrupting = true;
    interruptReason = reason;
    // A reason (the agent stopping) goes on each pending approval too, before Claude Code's own
    // withdrawal could say only "withdrawn"; the SDK's late answer to these is then ignored.
    if (reason) {
      for (const [requestId, resolve] of waiting) {
        waiting.delete(requestId);
        channel.send(order.runId, { type: "approval-withdrawn", requestId, reason });
        resolve({ behavior: "deny", message: reason, interrupt: true });
      }
    }
    if (!ready) return handle.kill();
    // A failed polite interrupt is covered by the kill below.
    handle.interrupt().catch(() => {});
    const killer = setTimeout(() => handle.abort(), INTERRUPT_GRACE_MS);
    void handle.done.finally(() => clearTimeout(killer));
  };

  channel.handlers = {
    onDecision: (requestId, answer, proof, rule) => {
      if (!waiting.has(requestId)) return; // already answered (a resync repeats decisions)
      const apply = () => {
        const resolve = waiting.get(requestId);
        if (!resolve) return;
        waiting.delete(requestId);
        held.delete(requestId);
        // A rule's answer may leave the room before its record is durable: journal what is applied first.
        if (rule) channel.journalApplied(requestId, rule);
        resolve(answer);
      };
      const call = held.get(requestId);
      if (!trust || !call) return apply();
      void trust.verify(answer, proof, call).then((v) => {
        if (v.ok) return apply();
        console.error(`tower agent: refused a decision on ${requestId}: ${v.reason}`);
        channel.refuse(requestId, v.reason);
      });
    },
    onInterrupt: () => interrupt(),
    // Only while that very call still waits: a park asked for a call already answered is stale.
    onPark: (requestId) => {
      if (waiting.has(requestId)) park();
    },
    waiting: () => [...waiting.keys()],
    runId: () => order.runId,
  };

  const done = handle.done.then(async (reported) => {
    liveText.close();
    // The deferral is written after Claude Code has ended: run-parked goes out before the run's ending.
    const parked = parking ? await parking : null;
    const requestId = [...waiting.keys()][0];
    if (parked && !("refused" in parked) && requestId) {
      channel.send(order.runId, { type: "run-parked", runId: order.runId, requestId, call: parked as ParkedCall & { input: Record<string, Json> } });
    }
    const outcome = interruptReason && reported.kind === "interrupted" ? { ...reported, error: interruptReason } : reported;
    channel.send(order.runId, { type: "run-ended", runId: order.runId, outcome });
    return outcome;
  });
  const cancel = () => {
    interrupting = true;
    interruptReason ??= "cancelled before it started";
    handle.kill();
  };
  return { order, handle, interrupt, park, cancel, done };
}

/** Why Claude Code cannot run in `cwd` on this machine, or null if it can. */
function checkCwd(cwd: string): string | null {
  try {
    return statSync(cwd).isDirectory() ? null : `the working directory ${cwd} is not a directory on this machine`;
  } catch {
    return `the working directory ${cwd} does not exist on this machine`;
  }
}

/** A stdio MCP server runs its command as this machine's user: only commands its operator allowed start. */
export function checkMcp(order: LaunchOrder, allowed: readonly string[]): string | null {
  for (const [name, s] of Object.entries(order.spec.mcpServers ?? {})) {
    if ("command" in s && !allowed.includes(s.command)) {
      return `this machine does not allow the stdio MCP command "${s.command}" (MCP server "${name}"); its operator can restart the agent with \`tower agent --allow-mcp ${s.command}\``;
    }
  }
  return null;
}

/** Ends a run that could not start, with the reason, without starting Claude Code. */
function refused(order: LaunchOrder, channel: SessionChannel, error: string): ActiveRun {
  const outcome: RunOutcome = unranOutcome("error", error);
  channel.send(order.runId, { type: "run-ended", runId: order.runId, outcome });
  const done = Promise.resolve(outcome);
  const handle: RunHandle = { interrupt: async () => {}, abort: () => {}, kill: () => {}, park: async () => ({ refused: "the run did not start" }), done };
  return { order, handle, interrupt: () => {}, park: () => {}, cancel: () => {}, done };
}
