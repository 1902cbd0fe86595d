import { afterEach, describe, expect, it, vi } from "vitest";
import { HeldWrite, type Staged } from "../../party/held-write";

/** Batches that log their commit: a held write stages into the log, and what follows it runs after the commit. */
const logged = (log: string[]) => ({ open: () => log, commit: () => void log.push("commit") });
const w =
  (line: string, then?: string): Staged<string[]> =>
  (batch) => {
    batch.push(line);
    return () => then !== undefined && void batch.push(then);
  };

afterEach(() => vi.useRealTimers());
const envelope = (id: string, seq: number) => ({ id, at: 0, runId: "run-a", seq, event: { type: "run-started" as const, runId: "run-a" } });

describe("writes held behind answers that left first", () => {
  it("writes in order, and what follows a write (an ack) only after it", () => {
    const log: string[] = [];
    const held = new HeldWrite({ quietMs: 20, maxMs: 1000, maxCount: 100 }, logged(log), () => log.push("failed"));
    held.hold(w("write 1", "frames 1"), envelope("e1", 1));
    held.after(() => log.push("ack 1"));
    held.hold(w("write 2", "frames 2"), envelope("e2", 2));
    expect(log).toEqual([]);
    held.flush();
    // One commit for the batch, and nothing that follows a write before it.
    expect(log).toEqual(["write 1", "write 2", "commit", "frames 1", "frames 2", "ack 1"]);
    held.after(() => log.push("ack 3")); // nothing held: at once
    expect(log.at(-1)).toBe("ack 3");
  });

  it("tells the intake which agent events it holds, so a run's next event is not taken for an early one", () => {
    const held = new HeldWrite({ quietMs: 20, maxMs: 1000, maxCount: 100 }, logged([]), () => {});
    held.hold(w("write"), envelope("e1", 4));
    expect([held.wasIngested("e1"), held.lastSeq("run-a")]).toEqual([true, 4]);
    held.flush();
    expect([held.wasIngested("e1"), held.lastSeq("run-a")]).toEqual([false, 0]); // storage has them now
  });

  it("writes once the agent pauses, and never later than the most it may wait while calls keep coming", () => {
    vi.useFakeTimers();
    const written: number[] = [];
    const held = new HeldWrite({ quietMs: 20, maxMs: 100, maxCount: 100 }, { open: () => written, commit: () => {} }, () => {});
    const n =
      (i: number): Staged<number[]> =>
      (batch) => {
        batch.push(i);
        return () => {};
      };
    held.hold(n(1));
    vi.advanceTimersByTime(19);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(written).toEqual([1]);
    for (let i = 2; i <= 12; i++) {
      held.hold(n(i));
      vi.advanceTimersByTime(10); // a call every 10 ms: never quiet for 20
    }
    expect(written).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // the 100 ms cap wrote the first ten together
  });

  it("writes as soon as it holds its most, in the step of the last, without waiting for a pause or the cap", () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const held = new HeldWrite({ quietMs: 20, maxMs: 1000, maxCount: 3 }, logged(log), () => log.push("failed"));
    held.hold(w("write 1"), envelope("e1", 1));
    held.hold(w("write 2"), envelope("e2", 2));
    held.after(() => log.push("ack 1-2"));
    expect(log).toEqual([]);
    held.hold(w("write 3"), envelope("e3", 3)); // no time passes: the count alone
    expect(log).toEqual(["write 1", "write 2", "write 3", "commit", "ack 1-2"]);
    expect([held.wasIngested("e3"), held.lastSeq("run-a")]).toEqual([false, 0]);
    held.hold(w("write 4"), envelope("e4", 4)); // a new batch, its own timers
    expect([held.wasIngested("e4"), held.lastSeq("run-a")]).toEqual([true, 4]);
    vi.advanceTimersByTime(19);
    expect(log.at(-1)).toBe("ack 1-2");
    vi.advanceTimersByTime(1);
    expect(log.slice(-2)).toEqual(["write 4", "commit"]);
  });

  it("reports a held write that fails (the room then resets from storage) and sends nothing that followed it", () => {
    const log: string[] = [];
    const failing = {
      open: () => log,
      commit: () => {
        throw new Error("disk full");
      },
    };
    const held = new HeldWrite({ quietMs: 20, maxMs: 1000, maxCount: 100 }, failing, () => log.push("failed"));
    held.hold(w("write", "frames"));
    held.after(() => log.push("ack"));
    held.flush();
    expect(log).toEqual(["write", "failed"]);
  });
});
