/**
 * The room's side of approval rules: the workspace's current rule set, compiled and kept with its
 * version, refreshed from the workspace hub's cache (no D1 read) on each tool call, so a new version
 * applies to the very next call. Returns the verdict on one call; the room steps it (rule-verdict.ts).
 */
import { compileRules, evaluate, type CompiledRules } from "../worker/domain/rules/evaluate";
import type { RuleVerdict } from "../worker/protocol/rules";
import { workspaceHub } from "../worker/rooms";
import type { SessionFacts } from "./core/room";

export interface AskedCall {
  toolName: string;
  /** The input as Claude Code sent it (not the scrubbed copy that is stored and shown). */
  input: Record<string, unknown>;
  requiresUserInteraction?: boolean | undefined;
}

export class RoomRules {
  #compiled: CompiledRules | null = null;

  constructor(private readonly env: Env) {}

  /** The rules' verdict on `call`, or null when the workspace has no rules. */
  async verdict(session: SessionFacts, call: AskedCall): Promise<RuleVerdict | null> {
    const hub = await workspaceHub(this.env, session.workspaceId);
    const { version, ruleSet } = await hub.rulesSince(this.#compiled?.version ?? null);
    if (ruleSet) this.#compiled = compileRules(ruleSet, version);
    const rules = this.#compiled;
    if (!rules || rules.rules.length === 0) return null;
    return evaluate(rules, {
      toolName: call.toolName,
      input: call.input,
      cwd: session.spec.cwd,
      machine: [session.agentId, session.agentName],
      template: session.origin?.templateId ? [session.origin.templateId] : [],
      pipeline: session.origin?.pipelineRunId ? [session.origin.pipelineRunId] : [],
      requiresUserInteraction: call.requiresUserInteraction === true,
    });
  }
}
