/**
 * The pure accounting behind `npm run bench -- scale` (bench/scale.ts): what a viewer's stream of
 * sequence numbers says about loss and duplication, latency figures per time window (the median of
 * three windows), and workerd's memory and CPU read from /proc. Kept apart from the sockets so each
 * rule is unit-tested (test/unit/bench-scale.test.ts).
 */
import { stats, type Stats } from "./lib";

/**
 * One viewer's view of a room's sequence numbers after the `after` it connected with. The room sends
 * every event once, in order: a seq past the next expected leaves a gap (missing until it arrives),
 * a seq already seen is a duplicate, and a missing one arriving late is counted as reordered.
 */
export class SeqLedger {
  #last: number;
  readonly #missing = new Set<number>();
  duplicates = 0;
  reordered = 0;
  received = 0;

  constructor(after: number) {
    this.#last = after;
  }

  /** Records `seq`; true when it is new to this viewer (count and time it), false for a duplicate. */
  see(seq: number): boolean {
    if (seq > this.#last) {
      for (let s = this.#last + 1; s < seq; s++) this.#missing.add(s);
      this.#last = seq;
      this.received++;
      return true;
    }
    if (this.#missing.delete(seq)) {
      this.reordered++;
      this.received++;
      return true;
    }
    this.duplicates++;
    return false;
  }

  /** Sequence numbers skipped and never received (so far). */
  get gaps(): number {
    return this.#missing.size;
  }

  get lastSeq(): number {
    return this.#last;
  }
}

export interface Sample {
  /** When it was taken (ms, any monotonic clock shared by all samples). */
  at: number;
  ms: number;
}

export interface WindowedStats {
  whole: Stats;
  windows: Stats[];
  /** The median of the windows' p50, p95 and p99 (each taken separately). */
  median: { p50: number; p95: number; p99: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round(((s[mid - 1]! + s[mid]!) / 2) * 100) / 100;
};

/** Latency over [from, to) split into `count` equal windows by when each sample was taken. */
export function windowed(samples: readonly Sample[], from: number, to: number, count = 3): WindowedStats {
  const inside = samples.filter((s) => s.at >= from && s.at < to);
  const width = (to - from) / count;
  const windows = Array.from({ length: count }, (_, w) =>
    stats(inside.filter((s) => s.at >= from + w * width && (w === count - 1 || s.at < from + (w + 1) * width)).map((s) => s.ms)),
  );
  return {
    whole: stats(inside.map((s) => s.ms)),
    windows,
    median: { p50: median(windows.map((w) => w.p50)), p95: median(windows.map((w) => w.p95)), p99: median(windows.map((w) => w.p99)) },
  };
}

/** The fields of /proc/<pid>/stat the bench reads (man 5 proc; `comm` may hold spaces and parentheses). */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  /** User + system CPU time, in clock ticks. */
  cpuTicks: number;
}

export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): ppid is field 4, pgrp 5, utime 14, stime 15.
  const field = (n: number) => Number(rest[n - 3]);
  const parsed = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4),
    pgrp: field(5),
    cpuTicks: field(14) + field(15),
  };
  return Number.isFinite(parsed.pid) && Number.isFinite(parsed.pgrp) && Number.isFinite(parsed.cpuTicks) ? parsed : null;
}

/** Resident memory from /proc/<pid>/status (`VmRSS:  12345 kB`), in bytes; null if absent. */
export function parseVmRss(text: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** A process group's processes named `comm` (wrangler's workerd runs in wrangler's group). */
export function inGroup(procs: readonly ProcStat[], pgrp: number, comm: string): ProcStat[] {
  return procs.filter((p) => p.pgrp === pgrp && p.comm === comm);
}

export interface ProcSample {
  /** ms (Date.now or performance.now, the same for samples compared). */
  at: number;
  rssBytes: number;
  cpuTicks: number;
}

/** CPU used between two samples, in percent of one core (200 = both cores of a 2-core machine). */
export function cpuPercent(a: ProcSample, b: ProcSample, ticksPerSecond: number): number {
  const wall = (b.at - a.at) / 1000;
  if (wall <= 0) return NaN;
  return Math.round(((b.cpuTicks - a.cpuTicks) / ticksPerSecond / wall) * 1000) / 10;
}

/** CPU milliseconds between two samples. */
export function cpuMs(a: ProcSample, b: ProcSample, ticksPerSecond: number): number {
  return Math.round(((b.cpuTicks - a.cpuTicks) / ticksPerSecond) * 1000);
}

/** Memory each room added over a baseline, in KiB (the runtime's RSS includes its sockets and caches). */
export function perRoomKiB(baseBytes: number, thenBytes: number, rooms: number): number {
  return rooms > 0 ? Math.round((thenBytes - baseBytes) / 1024 / rooms) : NaN;
}

/** A positive number from the environment (`name` is said in the error), or `fallback` when unset. */
export function parseCount(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${name}: ${JSON.stringify(raw)} is not a number above 0 and at most ${max}`);
  return n;
}

/** The levels to run: `BENCH_SCALE_SESSIONS=100,250` or the defaults; bad entries are refused. */
export function parseLevels(raw: string | undefined, defaults: readonly number[]): number[] {
  if (raw === undefined || raw.trim() === "") return [...defaults];
  return raw.split(",").map((s) => {
    const n = parseCount("BENCH_SCALE_SESSIONS", s, NaN, 5000);
    if (!Number.isInteger(n)) throw new Error(`BENCH_SCALE_SESSIONS: ${JSON.stringify(raw)} is not a comma-separated list of session counts (1–5000)`);
    return n;
  });
}
