import { describe, expect, it } from "vitest";
import { nextIndexChunk } from "../../party/core/index-jobs";
import type { SessionEvent } from "../../worker/protocol/events";

const ev = (seq: number, text: string): SessionEvent => ({ seq, at: 1, type: "user-prompt", prompt: text, by: "u" }) as SessionEvent;

describe("index jobs carry their events, under the queue's message limit", () => {
  it("takes every event when they fit", () => {
    const events = [ev(3, "a"), ev(4, "b")];
    expect(nextIndexChunk(events, 500, 96_000)).toEqual({ upTo: 4, events });
  });

  it("stops at the event cap and at the byte budget, the rest left for the next job", () => {
    const events = Array.from({ length: 10 }, (_, i) => ev(i + 1, "x".repeat(100)));
    expect(nextIndexChunk(events, 4, 96_000)?.upTo).toBe(4);
    const oneSize = JSON.stringify(events[0]).length + 1;
    const chunk = nextIndexChunk(events, 500, oneSize * 3 + 5)!;
    expect(chunk.upTo).toBe(3);
    expect(JSON.stringify(chunk.events).length).toBeLessThanOrEqual(oneSize * 3 + 5);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const events = [ev(1, "é".repeat(40)), ev(2, "é".repeat(40))];
    const chars = JSON.stringify(events[0]).length + 1;
    expect(nextIndexChunk(events, 500, chars * 2 + 10)?.upTo).toBe(1);
  });

  it("sends an event too large for any message alone and without its body, so the consumer reads it back", () => {
    expect(nextIndexChunk([ev(7, "y".repeat(500)), ev(8, "z")], 500, 100)).toEqual({ upTo: 7, events: null });
    expect(nextIndexChunk([], 500, 100)).toBeNull();
  });
});
