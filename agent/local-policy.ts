/**
 * The machine owner's own deny policy, held and enforced by the agent on that machine: a call it
 * denies never runs, whatever the server says (a decision, a rule, a launch's allowedTools), so a bug
 * in Tower or a compromised server cannot run there what the owner denied. Same format and matcher
 * as the workspace's rules (worker/domain/rules), deny-only; runner.ts applies it before anything else.
 */
import { existsSync, readFileSync } from "node:fs";
import type { HookCallback, HookJSONOutput } from "@anthropic-ai/claude-agent-sdk";
import { compileRules, type CompiledRules } from "../worker/domain/rules/evaluate";
import { machineDeny } from "../worker/domain/rules/machine";
import { formatIssue, parseYaml } from "../worker/pipelines/yaml";
import { MachineDenyRules } from "../worker/protocol/rules";

/** The file the agent reads when no `--deny-rules` is given, in its state directory. */
export const LOCAL_POLICY_FILE = "deny-rules.yaml";

export interface LocalPolicy {
  /** Where it was read from, named in every denial so the owner knows what to edit. */
  file: string;
  machine: string;
  rules: CompiledRules;
}

/**
 * Reads and checks the policy in `file` (YAML or JSON: `rules:` with deny rules only). A missing file
 * is no policy unless `required`; a bad one throws an error naming its line and column.
 */
export function loadLocalPolicy(file: string, machine: string, required = false): LocalPolicy | null {
  if (!existsSync(file)) {
    if (required) throw new Error(`${file}: no such file`);
    return null;
  }
  const parsed = parseYaml(readFileSync(file, "utf8"), MachineDenyRules);
  if (!parsed.ok) throw new Error(`${file} is not a valid deny policy:\n${parsed.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
  return { file, machine, rules: compileRules(parsed.value, null) };
}

/** The message Claude reads when the policy denies `toolName` with `input` in `cwd`, or null when it does not. */
export function localDenial(policy: LocalPolicy, toolName: string, input: Record<string, unknown>, cwd: string): string | null {
  const v = machineDeny(policy.rules, policy.machine, { toolName, input, cwd, machine: [policy.machine] });
  if (!v) return null;
  const why = `denied on ${policy.machine} by its owner's local policy (${policy.file}): ${v.reason}`;
  return v.message ? `${v.message} (${why})` : `This call was ${why}.`;
}

/**
 * The PreToolUse hook that enforces it: Claude Code runs PreToolUse for every tool call, also those
 * permitted without asking (allowedTools), and a hook's deny stands over any allow.
 */
export function localPolicyHook(policy: LocalPolicy, cwd: string): HookCallback {
  return async (input) => {
    if (input.hook_event_name !== "PreToolUse") return {};
    const toolInput = typeof input.tool_input === "object" && input.tool_input !== null ? (input.tool_input as Record<string, unknown>) : {};
    const denied = localDenial(policy, input.tool_name, toolInput, cwd);
    if (!denied) return {};
    const out: HookJSONOutput = { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: denied } };
    return out;
  };
}
