import { describe, expect, it } from "vitest";
import { admit } from "../../party/core/agent-order";

/** Plays frames (lists of seqs) into the rule the room applies; returns what was stored and acknowledged. */
function play(frames: number[][]): { stored: number[]; acked: number[][] } {
  let last = 0;
  const stored: number[] = [];
  const acked: number[][] = [];
  for (const frame of frames) {
    const ack: number[] = [];
    for (const seq of frame) {
      const a = admit(last, seq);
      if (a === "store") {
        stored.push(seq);
        last = seq;
      }
      if (a !== "early") ack.push(seq);
    }
    acked.push(ack);
  }
  return { stored, acked };
}

describe("ordering an agent's events by its sequence numbers", () => {
  it("stores in emitted order when a buffered send is flushed ahead of the resend", () => {
    // 1-2 stored; 3-4 lost with the old socket; 5-6 buffered and flushed first on the new one; then the resend.
    const { stored, acked } = play([
      [1, 2],
      [5, 6],
      [3, 4, 5, 6],
    ]);
    expect(stored).toEqual([1, 2, 3, 4, 5, 6]);
    expect(acked).toEqual([[1, 2], [], [3, 4, 5, 6]]);
  });

  it("acknowledges a resend of what it already stored without storing it again", () => {
    const { stored, acked } = play([
      [1, 2, 3],
      [1, 2, 3, 4],
    ]);
    expect(stored).toEqual([1, 2, 3, 4]);
    expect(acked.at(-1)).toEqual([1, 2, 3, 4]);
  });

  it("holds back everything after a gap until the gap is filled", () => {
    expect(play([[2, 3]]).stored).toEqual([]);
    expect(admit(0, 1)).toBe("store");
    expect(admit(4, 4)).toBe("duplicate");
    expect(admit(4, 6)).toBe("early");
  });
});
