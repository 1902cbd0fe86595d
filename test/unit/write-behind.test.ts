import { describe, expect, it } from "vitest";
import { WriteBehind } from "../../party/write-behind";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("write-behind", () => {
  it("coalesces a burst into the first value and the last one, in order", async () => {
    const written: number[] = [];
    let release!: () => void;
    const w = new WriteBehind<number>(
      async (v) => {
        written.push(v);
        if (written.length === 1) await new Promise<void>((r) => (release = r));
      },
      () => {},
    );
    for (let i = 1; i <= 5; i++) w.push(i);
    await tick();
    release();
    await w.settled();
    expect(written).toEqual([1, 5]);
  });

  it("waits out the delay before writing, unless settled() is asked for", async () => {
    const written: number[] = [];
    const w = new WriteBehind<number>(
      async (v) => void written.push(v),
      () => {},
      1000,
    );
    w.push(1);
    await tick(10);
    expect(written).toEqual([]);
    await w.settled();
    expect(written).toEqual([1]);
  });

  it("shortens a pending delay for an urgent push, and never lengthens it for a routine one", async () => {
    const written: number[] = [];
    const w = new WriteBehind<number>(
      async (v) => void written.push(v),
      () => {},
      1000,
    );
    w.push(1);
    w.push(2, 10);
    w.push(3);
    await tick(60);
    expect(written).toEqual([3]);
  });

  it("reports a failed write and still writes what came after", async () => {
    const errors: unknown[] = [];
    const written: number[] = [];
    const w = new WriteBehind<number>(
      async (v) => {
        if (v === 1) throw new Error("boom");
        written.push(v);
      },
      (e) => errors.push(e),
    );
    w.push(1);
    await w.settled();
    w.push(2);
    await w.settled();
    expect(errors).toHaveLength(1);
    expect(written).toEqual([2]);
  });
});
