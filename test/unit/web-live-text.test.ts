import { describe, expect, it } from "vitest";
import { foldLiveText, liveItems, settleLiveText, type LiveBlock } from "../../web/src/transcript/live-text";
import type { SessionEvent } from "../../worker/protocol/events";
import type { LiveText } from "../../worker/protocol/frames";

const live = (from: number, text: string, messageId = "msg_1", index = 0): LiveText => ({ type: "live-text", messageId, index, from, text });
const fold = (frames: LiveText[]) => frames.reduce<readonly LiveBlock[]>(foldLiveText, []);
const assistant = (id: string): SessionEvent => ({
  seq: 9,
  at: 1,
  type: "sdk-message",
  message: { type: "assistant", message: { id, content: [{ type: "text", text: "x" }] } },
});

describe("web: text still being written", () => {
  it("continues each block from where its frame says, and shows it after the stored items", () => {
    const blocks = fold([live(0, "Once "), live(5, "upon a "), live(0, "Other ", "msg_2")]);
    expect(blocks.map((b) => b.text)).toEqual(["Once upon a ", "Other "]);
    expect(liveItems(blocks, 4)).toEqual([
      { kind: "text", key: "live-msg_1-0", seq: 4, text: "Once upon a ", live: true },
      { kind: "text", key: "live-msg_2-0", seq: 4, text: "Other ", live: true },
    ]);
  });

  it("takes a rewrite of text already shown (a redaction) from the frame's offset", () => {
    expect(fold([live(0, "key abc "), live(4, "[REDACTED] ")]).map((b) => b.text)).toEqual(["key [REDACTED] "]);
  });

  it("skips a block joined mid-message (its final message shows when it lands)", () => {
    const blocks = fold([live(12, "more words ")]);
    expect(blocks).toEqual([]);
    expect(liveItems(blocks, 1)).toEqual([]);
  });

  it("is replaced by the stored final message, and cleared when the run ends", () => {
    const blocks = fold([live(0, "Once "), live(0, "Other ", "msg_2")]);
    expect(settleLiveText(blocks, [assistant("msg_1")]).map((b) => b.messageId)).toEqual(["msg_2"]);
    const ended: SessionEvent = { seq: 10, at: 1, type: "status-changed", from: "running", to: "completed", reason: "done" };
    expect(settleLiveText(blocks, [ended])).toEqual([]);
  });
});
