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
