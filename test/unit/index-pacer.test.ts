import { describe, expect, it } from "vitest";
import { IndexPacer } from "../../party/core/index-pacer";

describe("IndexPacer", () => {
  it("sends the first job at once, then at most one per interval", () => {
    const p = new IndexPacer(1000);
    expect(p.waitMs(5_000, false)).toBe(0);
    p.sent(5_000);
    expect(p.waitMs(5_010, false)).toBe(990);
    expect(p.waitMs(5_999, false)).toBe(1);
    expect(p.waitMs(6_000, false)).toBe(0);
  });

  it("does not hold back the last events of a session that has ended", () => {
    const p = new IndexPacer(1000);
    p.sent(5_000);
    expect(p.waitMs(5_010, true)).toBe(0);
  });
});
