import { describe, expect, it } from "vitest";
import { LiveTextPrinter } from "../../agent/cli/live-text";
import { renderEvent } from "../../agent/cli/render";
import type { SessionEvent } from "../../worker/protocol/events";
import type { Json } from "../../worker/protocol/json";
import type { LiveText } from "../../worker/protocol/frames";
import { NOW } from "./cli-fixtures";

const live = (from: number, text: string, messageId = "msg_1"): LiveText => ({ type: "live-text", messageId, index: 0, from, text });
const assistant = (seq: number, content: Json[], id = "msg_1"): SessionEvent => ({
  seq,
  at: NOW,
  type: "sdk-message",
  message: { type: "assistant", message: { id, role: "assistant", content } },
});

/** Everything `watch` writes for a sequence of live frames and events. */
function screen(items: (LiveText | SessionEvent)[]): string {
  const p = new LiveTextPrinter();
  let out = "";
  for (const item of items) {
    if ("type" in item && item.type === "live-text") out += p.frame(item);
    else {
      const r = p.settle(item as SessionEvent);
      out +=
        r.out +
        renderEvent(r.event)
          .map((l) => `${l.text}\n`)
          .join("");
    }
  }
  return out;
}

describe("tower watch: live text", () => {
  it("prints text as it arrives, then only what the final message adds, and its tool calls as usual", () => {
    const final = assistant(5, [
      { type: "text", text: "Once upon a time." },
      { type: "tool_use", id: "t1", name: "Bash", input: { command: "ls" } },
    ]);
    const p = new LiveTextPrinter();
    expect(p.frame(live(0, "Once "))).toBe("Once ");
    expect(p.frame(live(5, "upon a "))).toBe("upon a ");
    expect(screen([live(0, "Once "), live(5, "upon a "), final])).toBe("Once upon a time.\n→ Bash ls\n");
  });

  it("prints the final message whole for a stream it joined mid-message", () => {
    expect(screen([live(12, "more words "), assistant(5, [{ type: "text", text: "Some words, more words." }])])).toBe("Some words, more words.\n");
  });

  it("prints the final message whole after a stream that rewrote text already on the screen", () => {
    const out = screen([live(0, "key abc "), live(0, "key [REDACTED] "), assistant(5, [{ type: "text", text: "key [REDACTED] done." }])]);
    expect(out).toBe("key abc \nkey [REDACTED] done.\n");
  });

  it("breaks the line before another event arrives mid-text", () => {
    const status: SessionEvent = { seq: 4, at: NOW, type: "status-changed", from: "running", to: "waiting_for_approval", reason: "r" };
    expect(screen([live(0, "Half a line "), status]).startsWith("Half a line \n")).toBe(true);
  });
});
