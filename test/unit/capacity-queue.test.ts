import { describe, expect, it } from "vitest";
import { CapacityQueue } from "../../agent/daemon/capacity-queue";

describe("capacity queue", () => {
  it("starts up to capacity and puts the rest in line, in order", () => {
    const q = new CapacityQueue<string>(2);
    expect(["a", "b", "c", "d"].map((id) => q.admit(id, id.toUpperCase()))).toEqual([
      { start: true },
      { start: true },
      { start: false, position: 1 },
      { start: false, position: 2 },
    ]);
    expect([q.running, q.waiting]).toEqual([2, 2]);
  });

  it("starts the next waiting run when a running one ends, never exceeding capacity", () => {
    const q = new CapacityQueue<string>(2);
    for (const id of ["a", "b", "c", "d", "e"]) q.admit(id, id);
    expect(q.release("a")).toEqual([{ id: "c", item: "c" }]);
    expect(q.release("c")).toEqual([{ id: "d", item: "d" }]);
    expect(q.running).toBe(2);
    expect(q.release("unknown")).toEqual([]);
    expect(q.release("c")).toEqual([]); // a second release of the same run frees nothing
    expect(q.running).toBe(2);
  });

  it("withdraws a cancelled waiting run so it never starts", () => {
    const q = new CapacityQueue<string>(1);
    q.admit("a", "a");
    q.admit("b", "b");
    q.admit("c", "c");
    expect(q.withdraw("b")).toBe("b");
    expect(q.withdraw("a")).toBeUndefined(); // running, not waiting
    expect(q.release("a")).toEqual([{ id: "c", item: "c" }]);
  });

  it("drains the line and refuses a run admitted twice or a capacity below one", () => {
    const q = new CapacityQueue<string>(1);
    q.admit("a", "a");
    q.admit("b", "b");
    expect(() => q.admit("b", "b")).toThrow(/twice/);
    expect(q.drain()).toEqual([{ id: "b", item: "b" }]);
    expect(q.release("a")).toEqual([]);
    expect(() => new CapacityQueue(0)).toThrow(RangeError);
  });
});
