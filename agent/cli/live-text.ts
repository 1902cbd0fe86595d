/**
 * `tower watch` prints Claude's text as it is written: each `live-text` frame adds what is new to the
 * terminal, and when the message's final copy arrives only what the stream had not yet shown is
 * printed (its tool calls render as usual). Pure, so the rule is tested in Node.
 */
import { continueLiveText, type LiveText } from "../../worker/protocol/frames";
import type { SessionEvent } from "../../worker/protocol/events";

interface Printed {
  messageId: string;
  text: string;
  /** The stream rewrote text already on the screen (a redaction): the final copy is printed whole. */
  broken: boolean;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

export class LiveTextPrinter {
  readonly #blocks = new Map<string, Printed>();
  /** The last thing written was streamed text without its line break. */
  #midLine = false;

  /** What to write for one frame ("" for nothing). */
  frame(f: LiveText): string {
    const key = `${f.messageId}\u0000${f.index}`;
    const block = this.#blocks.get(key) ?? { messageId: f.messageId, text: "", broken: false };
    if (block.broken) return "";
    const next = continueLiveText(block.text, f);
    if (next === null) return "";
    this.#blocks.set(key, block);
    if (!next.startsWith(block.text)) {
      block.broken = true;
      return "";
    }
    const out = next.slice(block.text.length);
    block.text = next;
    if (out !== "") this.#midLine = !out.endsWith("\n");
    return out;
  }

  /**
   * For an event about to be rendered: what to write first (the rest of a streamed text), and the
   * event to render (without the text already on the screen).
   */
  settle(e: SessionEvent): { out: string; event: SessionEvent } {
    const message = e.type === "sdk-message" && e.message.type === "assistant" && isRec(e.message.message) ? e.message.message : null;
    const id = message && typeof message.id === "string" ? message.id : null;
    const streamed = [...this.#blocks].filter(([, b]) => b.messageId === id);
    const lineBreak = this.#midLine ? "\n" : "";
    this.#midLine = false;
    if (!message || streamed.length === 0 || e.type !== "sdk-message") return { out: lineBreak, event: e };
    for (const [key] of streamed) this.#blocks.delete(key);
    const shown = streamed.map(([, b]) => b.text).join("");
    const content = Array.isArray(message.content) ? message.content : [];
    const final = content.map((b) => (isRec(b) && b.type === "text" && typeof b.text === "string" ? b.text : "")).join("");
    if (shown === "" || streamed.some(([, b]) => b.broken) || !final.startsWith(shown)) return { out: lineBreak, event: e };
    const rest = content.filter((b) => !(isRec(b) && b.type === "text"));
    const remainder = final.slice(shown.length).trimEnd();
    return { out: remainder !== "" || lineBreak ? `${remainder}\n` : "", event: { ...e, message: { ...e.message, message: { ...message, content: rest } } } };
  }
}
