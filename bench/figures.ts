/**
 * How `npm run bench` turns samples into the figures it prints (issue 15): percentiles of one run, the
 * median of three runs (one run's p95 and p99 move with whatever else the machine does; the middle of
 * three much less), and whether a figure meets the issue's target, which is either absolute or a multiple
 * of a floor measured in the same bench. Pure: run.ts measures, this decides and formats.
 */

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: round2(at(0.5)), p95: round2(at(0.95)), p99: round2(at(0.99)), mean: round2(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

/** The middle value (of an even count, the lower of the two middle ones). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(s.length / 2) - 1)] ?? NaN;
}

/** Several runs of one figure as one: each percentile is the median of the runs'. `n` stays one run's sample count. */
export function medianStats(runs: Stats[]): Stats {
  const of = (k: keyof Stats) => median(runs.map((r) => r[k]));
  return { n: of("n"), p50: of("p50"), p95: of("p95"), p99: of("p99"), mean: of("mean") };
}

const isStats = (v: unknown): v is Stats =>
  typeof v === "object" && v !== null && ["n", "p50", "p95", "p99", "mean"].every((k) => typeof (v as Record<string, unknown>)[k] === "number");

/**
 * The median of several runs of a part, field by field: a Stats field becomes the median of the runs'
 * percentiles, a number the median of the runs' numbers, anything else is the first run's. The result
 * has the shape of one run, so results.json keeps its keys.
 */
export function medianOfRuns<T extends object>(runs: T[]): T {
  const first = runs[0];
  if (!first) throw new Error("medianOfRuns needs at least one run");
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(first)) {
    const all = runs.map((r) => (r as Record<string, unknown>)[k]);
    if (isStats(v) && all.every(isStats)) out[k] = medianStats(all);
    else if (typeof v === "number" && all.every((x) => typeof x === "number")) out[k] = median(all);
    else out[k] = v;
  }
  return out as T;
}

export type Percentile = "p95" | "p99";

/** A target from the issue: at most `ms`, at most `times` × a floor's same percentile, or at least `perSecond`. */
export type Target = { at: Percentile; maxMs: number } | { at: Percentile; maxTimes: number; floor: string } | { minPerSecond: number };

export interface Verdict {
  target: string;
  value: string;
  met: boolean;
}

/** Whether a latency figure (with the floor of the same bench, for ratio targets) meets one target. */
export function judge(figure: Stats, target: Exclude<Target, { minPerSecond: number }>, floor?: Stats): Verdict {
  const v = figure[target.at];
  if ("maxMs" in target) return { target: `${target.at} ≤ ${target.maxMs} ms`, value: `${v} ms`, met: v <= target.maxMs };
  if (!floor) throw new Error(`the target ${target.at} ≤ ${target.maxTimes}× ${target.floor} needs that floor`);
  const r = ratio(figure, floor, target.at);
  return { target: `${target.at} ≤ ${target.maxTimes}× ${target.floor}`, value: `×${r}`, met: r <= target.maxTimes };
}

/** Whether a throughput meets its target. */
export function judgeRate(perSecond: number, minPerSecond: number): Verdict {
  return { target: `≥ ${minPerSecond.toLocaleString("en")} ev/s`, value: `${perSecond} ev/s`, met: perSecond >= minPerSecond };
}

/** figure ÷ floor at one percentile, two decimals. */
export function ratio(figure: Stats, floor: Stats, at: Percentile = "p95"): number {
  return round2(figure[at] / floor[at]);
}

const mark = (v: Verdict) => `${v.target} ${v.met ? "met" : `MISSED (${v.value})`}`;

/**
 * One printed figure: the median of the runs, its p95 and p99 ratios to the floor, the targets with
 * met / MISSED, then each run's p50/p95/p99 so the spread shows.
 */
export function figureLine(
  name: string,
  runs: Stats[],
  floor: { name: string; stats: Stats },
  targets: Exclude<Target, { minPerSecond: number }>[] = [],
): { line: string; verdicts: Verdict[] } {
  const m = medianStats(runs);
  const verdicts = targets.map((t) => judge(m, t, floor.stats));
  const head = `${name.padEnd(34)} p50 ${m.p50}  p95 ${m.p95}  p99 ${m.p99} ms (median of ${runs.length}, n=${m.n} each)`;
  const ratios = `×${ratio(m, floor.stats)} / ×${ratio(m, floor.stats, "p99")} of ${floor.name} at p95 / p99`;
  const each = runs.map((r) => `${r.p50}/${r.p95}/${r.p99}`).join("  ");
  const judged = verdicts.length ? `; target ${verdicts.map(mark).join(", ")}` : "";
  return { line: `${head}  ${ratios}${judged}\n${"".padEnd(36)}runs p50/p95/p99: ${each}`, verdicts };
}
