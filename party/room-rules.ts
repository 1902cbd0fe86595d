/**
 * The room's side of approval rules: the workspace's current rule set, compiled and kept with its
 * version. Fetched from the workspace hub's cache (no D1 read), which then counts this room as a
 * subscriber: the rules route has the hub tell every subscriber of a new version before it answers,
 * so a set held as fresh is current and a call is judged at once, with no hop; after a wake from
 * hibernation (memory lost) or a change, the next call fetches first. The machine owner's deny policy,
 * which the room keeps with the session, is judged before them (worker/domain/rules/machine.ts). The room
 * steps the verdict (rule-verdict.ts).
 */
import { compileRules, type CallContext, type CompiledRules } from "../worker/domain/rules/evaluate";
import { judgeCall, machineDeny } from "../worker/domain/rules/machine";
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
  #policyOf: SessionFacts["machineDenyRules"] = null;
  #policyCompiled: CompiledRules | null = null;
  /** True while no newer version was announced since `#compiled` was fetched. */
  #fresh = false;

  constructor(private readonly env: Env) {}

  /** A newer version was saved: the next call fetches it. */
  changed(version: number): void {
    if (!this.#compiled || this.#compiled.version === null || this.#compiled.version < version) this.#fresh = false;
  }

  /**
   * The verdict from rules known to be current, at once; undefined when they must be fetched first. The
   * machine's deny policy is held by the room itself, so a call it denies is denied at once, always.
   */
  cachedVerdict(session: SessionFacts, call: AskedCall): RuleVerdict | null | undefined {
    if (!this.#fresh) return this.machineVerdict(session, call) ?? undefined;
    return this.#judge(session, call);
  }

  /** The machine's deny policy alone on `call` (null: it denies nothing there). */
  machineVerdict(session: SessionFacts, call: AskedCall): RuleVerdict | null {
    return machineDeny(this.#policy(session), session.agentName, this.#context(session, call));
  }

  /** The rules' verdict on `call`, or null when the workspace has no rules. */
  async verdict(session: SessionFacts, call: AskedCall): Promise<RuleVerdict | null> {
    const hub = await workspaceHub(this.env, session.workspaceId);
    this.#fresh = true; // before the read: a change announced while it is in flight clears it again
    const { version, ruleSet } = await hub.rulesSince(this.#compiled?.version ?? null, session.id);
    if (ruleSet) this.#compiled = compileRules(ruleSet, version);
    return this.#judge(session, call);
  }

  /** The machine's deny policy, compiled once per change of the session's copy. */
  #policy(session: SessionFacts): CompiledRules | null {
    const rules = session.machineDenyRules ?? null;
    if (rules !== this.#policyOf) this.#policyCompiled = rules ? compileRules(rules, null) : null;
    this.#policyOf = rules;
    return this.#policyCompiled;
  }

  #judge(session: SessionFacts, call: AskedCall): RuleVerdict | null {
    return judgeCall(this.#policy(session), session.agentName, this.#compiled, this.#context(session, call));
  }

  #context(session: SessionFacts, call: AskedCall): CallContext {
    return {
      toolName: call.toolName,
      input: call.input,
      cwd: session.spec.cwd,
      machine: [session.agentId, session.agentName],
      template: session.origin?.templateId ? [session.origin.templateId] : [],
      pipeline: session.origin?.pipelineRunId ? [session.origin.pipelineRunId] : [],
      requiresUserInteraction: call.requiresUserInteraction === true,
    };
  }
}
