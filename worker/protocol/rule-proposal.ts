/**
 * "Always allow this": the narrowest rule that matches one approved call (this exact Bash command in
 * this directory, this exact file, this MCP tool). Pure and shared, so the web card and the CLI
 * propose the same rule; a call the rule language cannot pin down exactly gets no proposal rather
 * than a wider rule than the person saw.
 */
import { z } from "zod";
import { Approval, Sha256Hex } from "./approval";
import { Rule, type RuleInput } from "./rules";

export interface ProposalCall {
  toolName: string;
  input: Record<string, unknown>;
  /** The session's working directory; without it a Bash command cannot be scoped, so none is proposed. */
  cwd: string | null;
  requiresUserInteraction?: boolean | undefined;
  suppressAlwaysAllowRule?: boolean | undefined;
}

export type Proposal = { ok: true; rule: RuleInput; summary: string } | { ok: false; why: string };

/** Shell syntax that makes a command more than one simple command (or one only known at run time). */
const SHELL_SYNTAX = /[;&|<>`$()\\\n\r{}]/;
/** Characters a rule pattern reads as a glob: a literal one cannot be matched exactly. */
const WORD_GLOB = /[*?]/;
const PATH_GLOB = /[*?[\]{}()!+@\\]/;
const FILE_TOOLS = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit", "Read"]);
const PATH_KEYS = ["file_path", "notebook_path", "path"] as const;

/** A rule id from the tool's name and the time: ids are unique in a set, and this one says where it came from. */
export function proposalId(toolName: string, now: number): string {
  const tool = toolName
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 40)
    .toLowerCase();
  return `always-${tool}-${now.toString(36)}`.replace(/-+/g, "-");
}

/** Folds `.` and `..` of an absolute path (rules refuse `..`). */
function absolute(path: string, cwd: string | null): string | null {
  if (path.startsWith("~/")) return path;
  if (!path.startsWith("/") && !cwd) return null;
  const out: string[] = [];
  for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

export function proposeRule(call: ProposalCall, now: number): Proposal {
  if (call.suppressAlwaysAllowRule) return { ok: false, why: "Claude Code asked not to offer an always-allow rule for this call." };
  if (call.requiresUserInteraction) return { ok: false, why: "This call needs a person every time; no rule can allow it." };
  const base = { id: proposalId(call.toolName, now), decision: "allow" as const, tool: call.toolName };
  const { toolName: tool, input } = call;

  if (tool === "Bash") {
    const command = typeof input.command === "string" ? input.command.trim() : "";
    if (!command) return { ok: false, why: "The call has no command." };
    if (!call.cwd) return { ok: false, why: "The session's directory is not known, so the rule could not be limited to it." };
    if (SHELL_SYNTAX.test(command))
      return { ok: false, why: "A compound command (pipes, `&&`, `$(…)`, redirections) needs a rule per part: write them in the rule editor." };
    if (WORD_GLOB.test(command)) return { ok: false, why: "The command contains `*` or `?`, which a rule pattern cannot match literally." };
    return {
      ok: true,
      rule: { ...base, command, scope: { directory: call.cwd } },
      summary: `Always allow the command \`${command}\` in ${call.cwd} (and below)`,
    };
  }

  if (FILE_TOOLS.has(tool)) {
    const key = PATH_KEYS.find((k) => typeof input[k] === "string" && input[k] !== "");
    const path = key ? absolute(input[key] as string, call.cwd) : null;
    if (!path) return { ok: false, why: "The call names no file with a known location." };
    if (PATH_GLOB.test(path)) return { ok: false, why: "The file's path contains glob characters, which a rule cannot match literally." };
    return { ok: true, rule: { ...base, path }, summary: `Always allow ${tool} of ${path}` };
  }

  if (tool === "WebFetch" && typeof input.url === "string") {
    let host: string;
    try {
      host = new URL(input.url).hostname.toLowerCase();
    } catch {
      return { ok: false, why: "The call's URL does not parse." };
    }
    if (!host || WORD_GLOB.test(host)) return { ok: false, why: "The call's URL has no host." };
    return { ok: true, rule: { ...base, host }, summary: `Always allow WebFetch from ${host}` };
  }

  if (WORD_GLOB.test(tool)) return { ok: false, why: "The tool's name contains glob characters." };
  if (tool.startsWith("mcp__")) return { ok: true, rule: base, summary: `Always allow the MCP tool ${tool}` };
  // Any other tool: this tool, in this directory when it is known.
  return call.cwd
    ? { ok: true, rule: { ...base, scope: { directory: call.cwd } }, summary: `Always allow ${tool} in ${call.cwd} (and below)` }
    : { ok: true, rule: base, summary: `Always allow ${tool}` };
}

/**
 * "Always allow this", confirmed: the rule the person was shown (the server adds it only when it is the
 * narrowest rule it proposes itself for that call, whatever its id) and the input's hash they saw.
 */
export const AlwaysAllowBody = z.object({ inputSha256: Sha256Hex, rule: Rule });
export type AlwaysAllowBody = z.infer<typeof AlwaysAllowBody>;

export const AlwaysAllowResult = z.object({ approval: Approval, version: z.number().int(), ruleId: z.string() });
export type AlwaysAllowResult = z.infer<typeof AlwaysAllowResult>;
