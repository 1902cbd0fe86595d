/**
 * Parking a tool call that waits for a person, so the machine is free while the approval waits for hours.
 * Claude Code decides whether a call needs a person only after PreToolUse hooks have run (it allows `ls` or
 * `git status` itself), and canUseTool's answer cannot defer; so a call held in canUseTool is parked by killing
 * Claude Code (nothing is written after the tool_use) and appending to Claude's own transcript the deferral
 * record Claude Code writes when a PreToolUse hook answers `defer`. On resume Claude Code re-fires PreToolUse
 * for that tool_use id, and parkedHook() answers it with the decision, bound to the input's sha256.
 */
import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { HookCallback, HookJSONOutput } from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";
import type { ApprovalAnswer } from "../worker/protocol/agent";
import { canonicalJson } from "../worker/protocol/canonical-json";

/** A call parked in Claude's transcript: what a later run needs to answer it, after any restart. */
export interface ParkedCall {
  claudeSessionId: string;
  toolUseId: string;
  toolName: string;
  input: Record<string, unknown>;
  inputSha256: string;
}

/** The decision on a parked call, as the resumed run applies it (RunSpec.parked). */
export interface ParkedAnswer {
  toolUseId: string;
  /** the sha256 of the input the person decided on; a re-fired call with another input is denied */
  inputSha256: string;
  answer: ApprovalAnswer;
}

/** The hash a decision is bound to: sha256 of the tool input in canonical JSON, lowercase hex. */
export function inputSha256(input: unknown): string {
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}

/** Where Claude Code keeps its transcripts for the environment a run is given. */
export function claudeConfigDir(env: Record<string, string | undefined>): string {
  return env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), ".claude");
}

/** Claude's transcript of a session: projects/<cwd slug>/<session id>.jsonl, found by the (unique) id. */
export function findTranscript(configDir: string, claudeSessionId: string): string | undefined {
  const projects = join(configDir, "projects");
  let dirs: string[];
  try {
    dirs = readdirSync(projects);
  } catch {
    return undefined;
  }
  for (const d of dirs) {
    const path = join(projects, d, `${claudeSessionId}.jsonl`);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * A transcript line, as far as parking reads it: Claude Code's lines carry much more (kept as they are),
 * and any line may be of a kind this release does not know.
 */
const Line = z.looseObject({
  type: z.string(),
  message: z.looseObject({ id: z.string().optional(), content: z.union([z.string(), z.array(z.unknown())]).optional() }).optional(),
});
type Line = z.infer<typeof Line>;

/** A content block of a message; only tool calls and their results matter here. */
const Block = z.looseObject({ type: z.string(), id: z.string().optional(), tool_use_id: z.string().optional() });
type Block = z.infer<typeof Block>;

/** The parked call's own line: what the deferral record is built from, so each part must be there. */
const CallLine = Line.extend({ uuid: z.string().min(1), sessionId: z.string().min(1) });
const CallBlock = z.looseObject({ type: z.literal("tool_use"), id: z.string(), name: z.string().min(1), input: z.record(z.string(), z.unknown()) });

const NOT_IN_TRANSCRIPT = "the call is not in Claude's transcript";
const NOT_IN_SHAPE = "the call's line in Claude's transcript is not in the shape Tower writes a deferral after";

function readLines(path: string): Line[] {
  const lines: Line[] = [];
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    if (raw.trim() === "") continue;
    try {
      const line = Line.safeParse(JSON.parse(raw));
      if (line.success) lines.push(line.data);
    } catch {
      // A line cut by the kill is not ours to judge; the tool_use line is checked on its own.
    }
  }
  return lines;
}

function contentOf(line: Line): Block[] {
  const content = line.message?.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap((b) => {
    const block = Block.safeParse(b);
    return block.success ? [block.data] : [];
  });
}

/**
 * The transcript line holding the call, when it can be parked: the call is in the transcript, it is the
 * only tool call of its assistant message (Claude Code resumes a deferred call only alone: its siblings
 * would be orphaned), it has no result yet, and its line holds what the deferral record is built from.
 * Otherwise the reason it cannot.
 */
export function parkableLine(path: string, toolUseId: string): { line: z.infer<typeof CallLine>; call: z.infer<typeof CallBlock> } | { refused: string } {
  const lines = readLines(path);
  const line = lines.find((l) => l.type === "assistant" && contentOf(l).some((b) => b.type === "tool_use" && b.id === toolUseId));
  if (!line) return { refused: NOT_IN_TRANSCRIPT };
  const messageId = line.message?.id;
  const siblings = lines
    .filter((l) => l.type === "assistant" && l.message?.id === messageId)
    .flatMap(contentOf)
    .filter((b) => b.type === "tool_use");
  if (siblings.length !== 1) return { refused: `the call is one of ${siblings.length} in its turn, and Claude Code resumes only a lone deferred call` };
  const answered = lines.some((l) => l.type === "user" && contentOf(l).some((b) => b.type === "tool_result" && b.tool_use_id === toolUseId));
  if (answered) return { refused: "the call already has a result" };
  const callLine = CallLine.safeParse(line);
  const call = CallBlock.safeParse(siblings[0]);
  if (!callLine.success || !call.success) return { refused: NOT_IN_SHAPE };
  return { line: callLine.data, call: call.data };
}

/**
 * The transcript holding the call and its parkableLine(), waiting while Claude Code has not yet written
 * them (it creates the file and writes its lines in batches, so both may land a moment after the call is
 * asked) and while `stillWaiting()`. `locate` finds the file (null while it is not there).
 */
export async function untilParkable(
  locate: () => string | undefined,
  toolUseId: string,
  stillWaiting: () => boolean,
): Promise<{ path: string; line: Line } | { refused: string }> {
  // Up to 10 s: on a loaded machine Claude Code's batched write can lag the ask by seconds.
  let refused = "Claude's transcript of this call is not on disk";
  for (let i = 0; i < 200; i++) {
    if (!stillWaiting()) return { refused: "the call was answered meanwhile" };
    const path = locate();
    if (path) {
      const check = parkableLine(path, toolUseId);
      if (!("refused" in check)) return { path, line: check.line };
      if (check.refused !== NOT_IN_TRANSCRIPT) return check;
      refused = NOT_IN_TRANSCRIPT;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { refused };
}

/** Appends the deferral record after the call's line; Claude Code, resumed, re-fires PreToolUse for it. */
export function appendDeferral(path: string, toolUseId: string): ParkedCall | { refused: string } {
  const found = parkableLine(path, toolUseId);
  if ("refused" in found) return found;
  const { line, call } = found;
  const { input, name: toolName } = call;
  const record = {
    parentUuid: line.uuid,
    isSidechain: false,
    attachment: {
      type: "hook_deferred_tool",
      toolUseID: toolUseId,
      toolName,
      toolInput: input,
      hookName: "tower",
      hookEvent: "PreToolUse",
      permissionMode: "default",
    },
    type: "attachment",
    uuid: randomUUID(),
    timestamp: new Date().toISOString(),
    userType: line.userType,
    entrypoint: line.entrypoint,
    cwd: line.cwd,
    sessionId: line.sessionId,
    version: line.version,
  };
  appendFileSync(path, `${JSON.stringify(record)}\n`);
  return { claudeSessionId: line.sessionId, toolUseId, toolName, input, inputSha256: inputSha256(input) };
}

/**
 * The decision on a parked call, applied once to the call Claude Code re-fires on resume: by tool_use id, and
 * only when the re-fired input hashes to what the person decided on. Claude Code re-fires the call through
 * PreToolUse, or, when the re-fire outruns the SDK's hook registration, straight to canUseTool (seen with the
 * real binary); both ask here, so the first to ask decides and a second asking is denied.
 */
export class ParkedDecision {
  #answered = false;
  constructor(readonly parked: ParkedAnswer) {}

  /** The answer for this call, or undefined when it is not the parked one. */
  answer(toolUseId: string | undefined, input: unknown): ApprovalAnswer | undefined {
    if (toolUseId !== this.parked.toolUseId) return undefined;
    if (this.#answered) return { behavior: "deny", message: "This call was already decided." };
    this.#answered = true;
    if (inputSha256(input) !== this.parked.inputSha256)
      return { behavior: "deny", message: "The decision was made on a different input for this call; it was not run." };
    return this.parked.answer;
  }

  /** The PreToolUse hook of the resumed run. */
  readonly hook: HookCallback = async (input) => {
    if (input.hook_event_name !== "PreToolUse") return {};
    const a = this.answer(input.tool_use_id, input.tool_input);
    if (!a) return {};
    const out: HookJSONOutput =
      a.behavior === "allow"
        ? { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", ...(a.updatedInput ? { updatedInput: a.updatedInput } : {}) } }
        : { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: a.message } };
    return out;
  };
}
