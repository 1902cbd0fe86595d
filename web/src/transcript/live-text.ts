/**
 * Text Claude is still writing, as the session view shows it: each `live-text` frame continues its
 * block (a block joined mid-message is skipped: its final message shows when it lands), and the
 * stored final message replaces the blocks it carries. Pure, so the rule is tested in Node.
 */
import { continueLiveText, type LiveText } from "../../../worker/protocol/frames";
import type { SessionEvent } from "../../../worker/protocol/events";
import type { Item } from "./build";

export interface LiveBlock {
  messageId: string;
  index: number;
  text: string;
}

/** The blocks after one frame (the same array when the frame changes nothing shown). */
export function foldLiveText(blocks: readonly LiveBlock[], f: LiveText): readonly LiveBlock[] {
  const at = blocks.findIndex((b) => b.messageId === f.messageId && b.index === f.index);
  const text = continueLiveText(at === -1 ? "" : blocks[at]!.text, f);
  if (text === null) return blocks;
  const block = { messageId: f.messageId, index: f.index, text };
  return at === -1 ? [...blocks, block] : blocks.map((b, i) => (i === at ? block : b));
}

/** The blocks still being written after `events`: a final message (or the run's end) ends its own. */
export function settleLiveText(blocks: readonly LiveBlock[], events: readonly SessionEvent[]): readonly LiveBlock[] {
  if (blocks.length === 0) return blocks;
  let next = blocks;
  for (const e of events) {
    if (e.type === "run-ended" || (e.type === "status-changed" && e.to !== "running" && e.to !== "waiting_for_approval")) next = [];
    const m = e.type === "sdk-message" && e.message.type === "assistant" ? e.message.message : null;
    const id = m && typeof m === "object" && !Array.isArray(m) ? m.id : undefined;
    if (typeof id === "string") next = next.filter((b) => b.messageId !== id);
  }
  return next.length === blocks.length ? blocks : next;
}

/** The transcript rows for the blocks, after the stored ones. */
export function liveItems(blocks: readonly LiveBlock[], seq: number): Item[] {
  return blocks.filter((b) => b.text.trim() !== "").map((b) => ({ kind: "text", key: `live-${b.messageId}-${b.index}`, seq, text: b.text, live: true }));
}
