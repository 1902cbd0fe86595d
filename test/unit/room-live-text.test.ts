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

  it("ignores a delta that does not continue what it holds (a room that woke up mid-message)", () => {
    const live = new LiveTextStreams();
    expect(live.take(delta(5, "later words "))).toBeNull();
    live.take(delta(0, "start "));
    expect(live.take(delta(99, "gap "))).toBeNull();
    expect(live.take(delta(6, "more "))).toBeNull(); // the stream was dropped at the gap
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
