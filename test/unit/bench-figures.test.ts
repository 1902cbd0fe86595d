import { describe, expect, it } from "vitest";
import { figureLine, judge, judgeRate, medianOfRuns, type Stats, stats } from "../../bench/figures";

const s = (p50: number, p95: number, p99: number, n = 100): Stats => ({ n, p50, p95, p99, mean: p50 });

describe("happy", () => {
  it("takes each percentile of three runs as the median of the runs', not of the pooled samples", () => {
    const runs = [s(5, 20, 90), s(4, 10, 30), s(6, 15, 40)];
    expect(medianOfRuns([{ roundTrip: runs[0]! }, { roundTrip: runs[1]! }, { roundTrip: runs[2]! }]).roundTrip).toEqual({
      n: 100,
      p50: 5,
      p95: 15,
      p99: 40,
      mean: 5,
    });
  });

  it("keeps one run's shape: numbers become their median, other fields stay the first run's", () => {
    const m = medianOfRuns([
      { viewers: 100, label: "a", perDelivery: s(1, 2, 3), eventsPerSecond: 300 },
      { viewers: 100, label: "b", perDelivery: s(2, 4, 9), eventsPerSecond: 100 },
      { viewers: 100, label: "c", perDelivery: s(3, 3, 6), eventsPerSecond: 200 },
    ]);
    expect(m).toEqual({ viewers: 100, label: "a", perDelivery: { n: 100, p50: 2, p95: 3, p99: 6, mean: 2 }, eventsPerSecond: 200 });
  });

  it("meets a target a multiple of the floor's same percentile, and misses it just above", () => {
    const echo = s(0.5, 2, 4);
    expect(judge(s(3, 6, 20), { at: "p95", maxTimes: 3, floor: "echo" }, echo)).toEqual({ target: "p95 ≤ 3× echo", value: "×3", met: true });
    expect(judge(s(3, 6.01, 20), { at: "p95", maxTimes: 3, floor: "echo" }, echo).met).toBe(false);
    expect(judge(s(3, 6, 20), { at: "p99", maxTimes: 5, floor: "echo" }, echo)).toEqual({ target: "p99 ≤ 5× echo", value: "×5", met: true });
    expect(judge(s(3, 6, 21), { at: "p99", maxTimes: 5, floor: "echo" }, echo).met).toBe(false);
  });

  it("meets an absolute target at or under it, and a rate at or over it", () => {
    expect(judge(s(3, 10, 30), { at: "p95", maxMs: 10 }).met).toBe(true);
    expect(judge(s(3, 10, 30), { at: "p99", maxMs: 25 })).toEqual({ target: "p99 ≤ 25 ms", value: "30 ms", met: false });
    expect(judgeRate(5000, 5000).met).toBe(true);
    expect(judgeRate(4999, 5000)).toEqual({ target: "≥ 5,000 ev/s", value: "4999 ev/s", met: false });
  });

  it("prints the median, both ratios to the floor, each target's verdict and every run", () => {
    const { line, verdicts } = figureLine("fan-out to 100 viewers", [s(5, 12, 30), s(4, 8, 20), s(6, 9, 24)], { name: "echo", stats: s(0.5, 2, 4) }, [
      { at: "p95", maxMs: 10 },
      { at: "p99", maxMs: 25 },
    ]);
    expect(verdicts.map((v) => v.met)).toEqual([true, true]);
    expect(line).toContain("p50 5  p95 9  p99 24 ms (median of 3, n=100 each)");
    expect(line).toContain("×4.5 / ×6 of echo at p95 / p99");
    expect(line).toContain("target p95 ≤ 10 ms met, p99 ≤ 25 ms met");
    expect(line).toContain("runs p50/p95/p99: 5/12/30  4/8/20  6/9/24");
  });
});

describe("errors", () => {
  it("refuses a ratio target without its floor, and a median of no runs", () => {
    expect(() => judge(s(1, 2, 3), { at: "p95", maxTimes: 3, floor: "echo" })).toThrow(/needs that floor/);
    expect(() => medianOfRuns([])).toThrow(/at least one run/);
  });

  it("gives NaN percentiles for no samples rather than inventing a figure", () => {
    expect(stats([]).p95).toBeNaN();
  });
});
