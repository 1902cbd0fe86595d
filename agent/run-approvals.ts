/**
 * The permission side of a Claude Code run (runner.ts): the SDK's `canUseTool`, which turns every
 * permission prompt into an approval the caller answers, after the machine owner's deny policy and a
 * parked call's decision had their say. It keeps the calls it holds, so that park() knows the lone one.
 */
import { randomUUID } from "node:crypto";
import type { CanUseTool, PermissionResult } from "@anthropic-ai/claude-agent-sdk";
import type { ApprovalAnswer } from "../worker/protocol/agent";
import { localDenial, type LocalPolicy } from "./local-policy";
import type { ParkedDecision } from "./park";
import { errorText } from "./run-outcome";

export interface ApprovalAsk {
  requestId: string;
  toolName: string;
  input: Record<string, unknown>;
  toolUseId?: string;
  title?: string;
  description?: string;
  displayName?: string;
  decisionReason?: string;
  blockedPath?: string;
  agentId?: string;
  requiresUserInteraction?: boolean;
  suppressAlwaysAllowRule?: boolean;
}

/** `signal` aborts when the CLI withdraws the request (interrupt / cancel); a late answer is then ignored. */
export type AskApproval = (ask: ApprovalAsk, signal: AbortSignal) => Promise<ApprovalAnswer>;

export interface ApprovalGate {
  canUseTool: CanUseTool;
  /** The calls held in canUseTool, by request id. */
  waiting: ReadonlyMap<string, { toolUseId?: string }>;
}

const WITHDRAWN: PermissionResult = { behavior: "deny", message: "Permission request withdrawn", interrupt: false };

/** Resolves with the answer, or with a denial as soon as the CLI withdraws the request. */
function untilWithdrawn(answer: Promise<PermissionResult>, signal: AbortSignal): Promise<PermissionResult> {
  if (signal.aborted) return Promise.resolve(WITHDRAWN);
  return new Promise((resolve) => {
    const onAbort = () => resolve(WITHDRAWN);
    signal.addEventListener("abort", onAbort, { once: true });
    void answer.then((result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    });
  });
}

export function approvalGate(opts: {
  cwd: string;
  askApproval: AskApproval;
  localPolicy?: LocalPolicy;
  parkedDecision?: ParkedDecision;
  /** A denial that interrupts: the run's stop is then on purpose. */
  onStopRequested(): void;
}): ApprovalGate {
  const waiting = new Map<string, { toolUseId?: string }>();

  const toPermission = (a: ApprovalAnswer): PermissionResult => {
    if (a.behavior === "allow") return a.updatedInput ? { behavior: "allow", updatedInput: a.updatedInput } : { behavior: "allow" };
    if (a.interrupt) opts.onStopRequested();
    return { behavior: "deny", message: a.message, interrupt: a.interrupt ?? false };
  };

  const canUseTool: CanUseTool = async (toolName, input, call) => {
    const ask: ApprovalAsk = {
      requestId: call.requestId || randomUUID(),
      toolName,
      input,
      toolUseId: call.toolUseID,
      title: call.title,
      description: call.description,
      displayName: call.displayName,
      decisionReason: call.decisionReason,
      blockedPath: call.blockedPath,
      agentId: call.agentID,
      // A user's own ask rule forced this prompt (matchedAskRule): their stated intent is a person, as with
      // the wire's requires_user_interaction, which newer SDKs may pass through; either way no Tower rule allows it.
      requiresUserInteraction: (call as { requiresUserInteraction?: unknown }).requiresUserInteraction === true || call.matchedAskRule !== undefined,
      suppressAlwaysAllowRule: call.suppressAlwaysAllowRule === true,
    };
    // Also here, not only in the hook: a call re-fired on resume can reach canUseTool before hooks are registered.
    const denied = opts.localPolicy ? localDenial(opts.localPolicy, toolName, input, opts.cwd) : null;
    if (denied) return { behavior: "deny", message: denied, interrupt: false };
    const decided = opts.parkedDecision?.answer(call.toolUseID, input);
    if (decided) return toPermission(decided);
    waiting.set(ask.requestId, { toolUseId: call.toolUseID });
    call.signal.addEventListener("abort", () => waiting.delete(ask.requestId), { once: true });
    const answer = new Promise<ApprovalAnswer>((resolve) => resolve(opts.askApproval(ask, call.signal))).then(
      toPermission,
      // An approval channel that fails must not let the tool run.
      (err: unknown): PermissionResult => ({ behavior: "deny", message: `Approval failed: ${errorText(err)}`, interrupt: false }),
    );
    return untilWithdrawn(answer, call.signal).finally(() => waiting.delete(ask.requestId));
  };

  return { canUseTool, waiting };
}
