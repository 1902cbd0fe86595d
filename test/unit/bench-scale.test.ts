import { describe, expect, it } from "vitest";
import { cpuMs, cpuPercent, inGroup, parseCount, parseLevels, parseProcStat, parseVmRss, perRoomKiB, SeqLedger, windowed } from "../../bench/scale-figures";

describe("happy", () => {
  it("counts every seq after the snapshot once, with no gap or duplicate, when they arrive in order", () => {
    const l = new SeqLedger(4);
    expect([5, 6, 7].map((s) => l.see(s))).toEqual([true, true, true]);
    expect({ received: l.received, gaps: l.gaps, duplicates: l.duplicates, lastSeq: l.lastSeq }).toEqual({ received: 3, gaps: 0, duplicates: 0, lastSeq: 7 });
  });

  it("gives the median of three windows' percentiles beside the whole", () => {
    // Window 1: 1 ms, window 2: 10 ms, window 3: 100 ms; one sample outside [0, 30) is ignored.
    const samples = [
      ...Array.from({ length: 10 }, (_, i) => ({ at: i, ms: 1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ at: 10 + i, ms: 10 })),
      ...Array.from({ length: 10 }, (_, i) => ({ at: 20 + i, ms: 100 })),
      { at: 30, ms: 5000 },
    ];
    const w = windowed(samples, 0, 30);
    expect(w.windows.map((s) => s.p95)).toEqual([1, 10, 100]);
    expect(w.median).toEqual({ p50: 10, p95: 10, p99: 10 });
    expect(w.whole.n).toBe(30);
    expect(w.whole.p99).toBe(100);
  });

  it("reads pid, name, group and CPU ticks from /proc/<pid>/stat, whatever the name holds", () => {
    const line = "4242 (work (erd) x) S 4200 4100 4100 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 12 0 999 123456789 3000 18446744073709551615";
    expect(parseProcStat(line)).toEqual({ pid: 4242, comm: "work (erd) x", ppid: 4200, pgrp: 4100, cpuTicks: 325 });
  });

  it("reads VmRSS in bytes from /proc/<pid>/status", () => {
    expect(parseVmRss("Name:\tworkerd\nVmPeak:\t  900 kB\nVmRSS:\t  204800 kB\nThreads:\t12\n")).toBe(204800 * 1024);
  });

  it("finds the workerd of wrangler's process group only", () => {
    const procs = [
      { pid: 1, comm: "workerd", ppid: 0, pgrp: 9, cpuTicks: 0 },
      { pid: 2, comm: "workerd", ppid: 1, pgrp: 7, cpuTicks: 0 },
      { pid: 3, comm: "node", ppid: 1, pgrp: 7, cpuTicks: 0 },
    ];
    expect(inGroup(procs, 7, "workerd").map((p) => p.pid)).toEqual([2]);
  });

  it("turns two samples into percent of a core, CPU milliseconds, and memory per room", () => {
    const a = { at: 1000, rssBytes: 100 * 1024 * 1024, cpuTicks: 1000 };
    const b = { at: 11_000, rssBytes: 150 * 1024 * 1024, cpuTicks: 1700 };
    expect(cpuPercent(a, b, 100)).toBe(70);
    expect(cpuMs(a, b, 100)).toBe(7000);
    expect(perRoomKiB(a.rssBytes, b.rssBytes, 100)).toBe(512);
  });

  it("takes the levels from the environment, or the defaults when unset", () => {
    expect(parseLevels(undefined, [100, 250, 1000])).toEqual([100, 250, 1000]);
    expect(parseLevels(" 50, 100 ", [1])).toEqual([50, 100]);
    expect(parseCount("BENCH_SCALE_SECONDS", undefined, 300, 3600)).toBe(300);
    expect(parseCount("BENCH_SCALE_SECONDS", "60", 300, 3600)).toBe(60);
  });
});

describe("errors", () => {
  it("counts a skipped seq as a gap until it arrives, then as reordered, not lost", () => {
    const l = new SeqLedger(0);
    l.see(1);
    l.see(4);
    expect(l.gaps).toBe(2);
    expect(l.see(2)).toBe(true);
    expect({ gaps: l.gaps, reordered: l.reordered, received: l.received, duplicates: l.duplicates }).toEqual({
      gaps: 1,
      reordered: 1,
      received: 3,
      duplicates: 0,
    });
  });

  it("counts a seq seen twice, or one from before the snapshot, as a duplicate", () => {
    const l = new SeqLedger(10);
    expect(l.see(11)).toBe(true);
    expect(l.see(11)).toBe(false);
    expect(l.see(3)).toBe(false);
    expect({ duplicates: l.duplicates, received: l.received }).toEqual({ duplicates: 2, received: 1 });
  });

  it("refuses a line that is not /proc/<pid>/stat, and a status without VmRSS", () => {
    expect(parseProcStat("garbage")).toBeNull();
    expect(parseVmRss("Name:\tzombie\n")).toBeNull();
  });

  it("gives NaN rather than a figure when there is no time or no room to divide by", () => {
    const a = { at: 5, rssBytes: 1, cpuTicks: 1 };
    expect(cpuPercent(a, a, 100)).toBeNaN();
    expect(perRoomKiB(1, 2, 0)).toBeNaN();
  });

  it("refuses levels that are not positive session counts", () => {
    expect(() => parseLevels("100,abc", [1])).toThrow(/BENCH_SCALE_SESSIONS/);
    expect(() => parseLevels("0", [1])).toThrow(/BENCH_SCALE_SESSIONS/);
    expect(() => parseLevels("2.5", [1])).toThrow(/BENCH_SCALE_SESSIONS/);
    expect(() => parseLevels("100,", [1])).toThrow(/BENCH_SCALE_SESSIONS/);
    expect(() => parseCount("BENCH_SCALE_SECONDS", "-5", 300, 3600)).toThrow(/BENCH_SCALE_SECONDS/);
    expect(() => parseCount("BENCH_SCALE_SECONDS", "9999", 300, 3600)).toThrow(/BENCH_SCALE_SECONDS/);
  });
});
