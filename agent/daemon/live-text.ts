/**
 * Turns the SDK's partial messages (`stream_event`, with `includePartialMessages`) into the live
 * `text-delta` frames a session's room fans out: text deltas are coalesced per block for `everyMs`
 * (a fast model must not flood the sockets), and never journalled: the final `assistant` message is
 * the durable record, so pending text for a message is dropped once that message arrives.
 */
import { MAX_LIVE_TEXT, type TextDelta } from "../../worker/protocol/agent";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

interface Block {
  messageId: string;
  index: number;
  /** How much of the block went out already (the next delta's `from`). */
  sent: number;
  pending: string;
}

export class LiveTextRelay {
  readonly #blocks = new Map<string, Block>();
  /** The message each stream (the main loop, or a sub-agent's tool call) is writing now. */
  readonly #current = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (delta: TextDelta) => void,
    private readonly everyMs = 50,
  ) {}

  /** Takes one SDK message; true if it was a partial message (which is not relayed as an event). */
  take(message: Json): boolean {
    if (message.type === "assistant" && isObj(message.message) && typeof message.message.id === "string") this.#settle(message.message.id);
    if (message.type !== "stream_event") return false;
    const ev = message.event;
    if (!isObj(ev)) return true;
    const stream = typeof message.parent_tool_use_id === "string" ? message.parent_tool_use_id : "";
    if (ev.type === "message_start" && isObj(ev.message) && typeof ev.message.id === "string") this.#current.set(stream, ev.message.id);
    const messageId = typeof message.api_message_id === "string" ? message.api_message_id : this.#current.get(stream);
    const d = ev.delta;
    if (ev.type !== "content_block_delta" || !messageId || !isObj(d) || d.type !== "text_delta" || typeof d.text !== "string") return true;
    if (typeof ev.index !== "number") return true;
    this.#add(messageId, ev.index, d.text);
    return true;
  }

  #add(messageId: string, index: number, text: string): void {
    const key = `${messageId}\u0000${index}`;
    const block = this.#blocks.get(key) ?? { messageId, index, sent: 0, pending: "" };
    // Past the limit viewers wait for the final message; the room would refuse more anyway.
    block.pending = (block.pending + text).slice(0, Math.max(0, MAX_LIVE_TEXT - block.sent));
    this.#blocks.set(key, block);
    this.#timer ??= setTimeout(() => this.flush(), this.everyMs);
  }

  /** Sends what each block wrote since the last flush. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const b of this.#blocks.values()) {
      if (b.pending === "") continue;
      this.emit({ type: "text-delta", messageId: b.messageId, index: b.index, from: b.sent, text: b.pending });
      b.sent += b.pending.length;
      b.pending = "";
    }
  }

  /** The message is final: what it still had pending is in the message itself. */
  #settle(messageId: string): void {
    for (const [key, b] of this.#blocks) if (b.messageId === messageId) this.#blocks.delete(key);
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#blocks.clear();
  }
}
