/**
 * Walking Claude Code SDK messages, which reach us as untyped JSON (the SDK's own types are too wide
 * and change between versions). One reading of "the blocks of a message" and "the text of a tool
 * result" for everyone who looks inside them: the room's tally, the search indexer, the web
 * transcript and the CLI's renderer.
 */

export type Block = Record<string, unknown>;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The content blocks of an `assistant` or `user` message (`message.message.content`), objects only. */
export function contentBlocks(message: Record<string, unknown>): Block[] {
  const inner = message.message;
  return isRecord(inner) && Array.isArray(inner.content) ? inner.content.filter(isRecord) : [];
}

/** The `tool_use` blocks of an assistant message. */
export function toolUses(message: Record<string, unknown>): Block[] {
  return message.type === "assistant" ? contentBlocks(message).filter((b) => b.type === "tool_use") : [];
}

/**
 * A `tool_result`'s content as text: a string as is; of a block list, each text block's text and a
 * `[type]` placeholder for anything else (an image), one per line.
 */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((b) => (b.type === "text" ? (typeof b.text === "string" ? b.text : "") : `[${typeof b.type === "string" ? b.type : "block"}]`))
    .join("\n");
}

/** How a run's `result` message ended the run, as people are shown it. */
export type ResultOutcome = "success" | "interrupted" | "max_turns" | "error";

/**
 * Claude Code appends its own debugging notes to a result's `errors` (`[ede_diagnostic] result_type=user
 * …`): they name no cause a person can act on, so no screen shows them. This is the one filter.
 */
const DIAGNOSTIC = /\[ede_diagnostic\][^;\n]*/g;

/** Text with Claude Code's diagnostics taken out (also for errors joined before this filter existed). */
export function withoutDiagnostics(text: string): string {
  return text
    .replace(DIAGNOSTIC, "")
    .split(/\n|;\s*/)
    .map((s) => s.trim())
    .filter(Boolean)
    .join("; ");
}

/**
 * The one reading of a `result` message: how the run ended and what to say about it. An interrupt
 * (ours, or a deny that stops the turn) ends as `error_during_execution` with `terminal_reason`
 * `aborted_tools`/`aborted_streaming`: that is "interrupted", not a failure. An API failure ends as
 * subtype `success` with `is_error` (see the protocol reference, section 5).
 */
export function readResult(m: Record<string, unknown>): { outcome: ResultOutcome; text: string } {
  const errors = Array.isArray(m.errors) ? withoutDiagnostics(m.errors.filter((e) => typeof e === "string").join("\n")) : "";
  const result = typeof m.result === "string" ? m.result : "";
  if (m.subtype === "success") return { outcome: m.is_error === true ? "error" : "success", text: result };
  if (m.subtype === "error_max_turns") return { outcome: "max_turns", text: errors };
  if (typeof m.terminal_reason === "string" && m.terminal_reason.startsWith("aborted")) return { outcome: "interrupted", text: errors };
  return { outcome: "error", text: errors || result };
}
