import { describe, expect, it } from "vitest";
import { LiveTextStreams } from "../../party/core/live-text";
import { continueLiveText, type LiveText } from "../../worker/protocol/frames";
import type { TextDelta } from "../../worker/protocol/agent";

const delta = (from: number, text: string, messageId = "msg_1", index = 0): TextDelta => ({ type: "text-delta", messageId, index, from, text });

/** What a viewer that saw every frame shows. */
function viewer(frames: (LiveText | null)[]): string {
  return frames.reduce((text, f) => (f ? (continueLiveText(text, f) ?? text) : text), "");
}

describe("the room's live text", () => {
  it("sends each viewer only what is new, scrubbed", () => {
    const live = new LiveTextStreams();
    const frames = [live.take(delta(0, "Once upon ")), live.take(delta(10, "a ti")), live.take(delta(14, "me.\n"))];
    expect(frames.map((f) => f && { from: f.from, text: f.text })).toEqual([
      { from: 0, text: "Once upon " },
      { from: 10, text: "a " }, // "ti" is a word still being written
      { from: 12, text: "time.\n" },
    ]);
  });

  it("shows nothing of a block whose start it never got (a room that woke up mid-message)", () => {
    const live = new LiveTextStreams();
    const frames = ["later ", "words ", "keep ", "coming ", "in ", "order ", "as ", "they ", "did "].map((text, i) => live.take(delta(5 + i * 10, text)));
    expect(frames.every((f) => f === null)).toBe(true);
  });

  it("drops a block at a resent or overlapping delta", () => {
    const live = new LiveTextStreams();
    live.take(delta(0, "start "));
    expect(live.take(delta(3, "rt again "))).toBeNull();
    expect(live.take(delta(6, "more "))).toBeNull(); // the stream was dropped
  });

  it("holds a delta that overtook the one before it, and shows both, in order, once the gap fills", () => {
    const live = new LiveTextStreams();
    const frames = [live.take(delta(10, "a time, a robot ")), live.take(delta(26, "watched.\n")), live.take(delta(0, "Once upon "))];
    expect(frames.slice(0, 2)).toEqual([null, null]);
    expect(viewer(frames)).toBe("Once upon a time, a robot watched.\n");
    expect(live.take(delta(35, "Then "))?.text).toBe("Then ");
  });

  it("takes a gap that does not fill within 8 later deltas as lost, and the block with it", () => {
    const live = new LiveTextStreams();
    live.take(delta(0, "0123456789"));
    for (let i = 0; i < 8; i++) expect(live.take(delta(20 + i, "x"))).toBeNull();
    expect(live.take(delta(28, "y"))).toBeNull(); // the ninth: the block is dropped
    expect(live.take(delta(10, "0123456789"))).toBeNull();
  });

  it("forgets a message's blocks once its final copy is stored; a later block starts afresh", () => {
    const live = new LiveTextStreams();
    live.take(delta(0, "first block "));
    live.finish("msg_1");
    expect(live.take(delta(12, "late "))).toBeNull();
    expect(live.take(delta(0, "second block ", "msg_1", 2))?.text).toBe("second block ");
  });

  it("never shows the start of a secret that completes in a later delta", () => {
    const live = new LiveTextStreams();
    const key = "ghp_1234567890abcdefghijABCDEFGHIJ123456";
    const a = "token ghp_1234567890";
    const frames = [live.take(delta(0, a)), live.take(delta(a.length, `${key.slice(14)} ok `))];
    expect(JSON.stringify(frames)).not.toContain("1234567890");
    expect(viewer(frames)).toBe("token [REDACTED:github-token] ok ");
  });

  it("keeps at most 16 blocks at once, dropping the oldest", () => {
    const live = new LiveTextStreams();
    for (let i = 0; i < 17; i++) live.take(delta(0, "word ", `msg_${i}`));
    expect(live.take(delta(5, "more ", "msg_0"))).toBeNull();
    expect(live.take(delta(5, "more ", "msg_16"))?.text).toBe("more ");
  });
});
