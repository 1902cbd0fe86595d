/**
 * The scale bench's view of workerd (its processes' memory and CPU, read from /proc) and what one level
 * of bench/scale.ts comes to: the figures written to bench/results.json under `scale` (stable keys, so
 * runs compare) and the lines printed. Memory per room is the RSS a level's rooms added over the level's
 * own baseline, divided by its rooms (the rooms' sockets and caches included).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { JsonSocket, Stats } from "./lib";
import {
  cpuMs,
  cpuPercent,
  inGroup,
  parseProcStat,
  parseVmRss,
  perRoomKiB,
  type ProcSample,
  type ProcStat,
  type SeqLedger,
  type WindowedStats,
} from "./scale-figures";
import type { ScaleOptions } from "./scale";

export const clockTicks = (() => {
  const n = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return n > 0 ? n : 100;
})();

/** The group's processes named `comm`, read from /proc (a process that exits meanwhile is skipped). */
export function processes(pgrp: number, comm: string): number[] {
  const all: ProcStat[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const p = parseProcStat(readFileSync(`/proc/${d}/stat`, "utf8"));
      if (p) all.push(p);
    } catch {
      // gone
    }
  }
  return inGroup(all, pgrp, comm).map((p) => p.pid);
}

/** The summed RSS and CPU ticks of `pids` now. */
export function sample(pids: number[]): ProcSample {
  let rssBytes = 0;
  let cpuTicks = 0;
  for (const pid of pids) {
    try {
      rssBytes += parseVmRss(readFileSync(`/proc/${pid}/status`, "utf8")) ?? 0;
      cpuTicks += parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.cpuTicks ?? 0;
    } catch {
      // gone
    }
  }
  return { at: performance.now(), rssBytes, cpuTicks };
}

/** What the sockets counted while a level ran. */
export interface Tally {
  errors: number;
  firstErrors: string[];
  delivered: number;
  sockets: JsonSocket[];
}

/** One viewer: its room's sequence numbers, and the bench events of its room it received. */
export interface ViewerTally {
  ledger: SeqLedger;
  got: number;
  /** Its room's send times (its length is how many the room should have delivered). */
  sentAt: number[];
}

type Pair = { workerd: ProcSample; wrangler: ProcSample };

export interface LevelRaw {
  opts: ScaleOptions;
  machines: number;
  setupSeconds: number;
  warmupSeconds: number;
  latency: WindowedStats;
  runs: { sent: number; acked: number }[];
  viewers: ViewerTally[];
  tally: Tally;
  proc: { base: ProcSample; idle: [Pair, Pair]; active: [Pair, Pair]; peakRss: number; after: ProcSample };
  /** Counted while streaming: summaries mirrored (one D1 write, one hub frame each), and search documents written. */
  perEvent: { hubUpserts: number; documentsIndexed: number };
  load: { before: number; active: number; after: number };
  client: { cpuMs: number; eventLoopP99Ms: number };
}

export interface ScaleFigures {
  sessions: number;
  viewers: number;
  seconds: number;
  eventsPerSecondPerSession: number;
  machines: number;
  setupSeconds: number;
  warmupSeconds: number;
  eventToViewer: { whole: Stats; windows: Stats[]; medianOfThree: WindowedStats["median"] };
  events: { sent: number; unacked: number; expectedDeliveries: number; delivered: number; lost: number; duplicates: number; gaps: number; reordered: number };
  errors: number;
  firstErrors: string[];
  workerd: {
    baseMiB: number;
    idleMiB: number;
    activeMiB: number;
    peakMiB: number;
    afterMiB: number;
    idleCpuPercent: number;
    activeCpuPercent: number;
    perIdleRoomKiB: number;
    perActiveRoomKiB: number;
    cpuPercentPerActiveRoom: number;
    cpuMsPerEvent: number;
  };
  wrangler: { idleCpuPercent: number; activeCpuPercent: number };
  /** Work outside the room's own write, per event sent: D1 summary writes (= hub frames), search documents indexed. */
  outsideTheRoom: { summaryWritesPerEvent: number; documentsPerEvent: number };
  client: { cpuPercent: number; eventLoopP99Ms: number };
  load: { before: number; active: number; after: number };
}

const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export function summarize(raw: LevelRaw): ScaleFigures {
  const { proc, opts } = raw;
  const [idleFrom, idleTo] = proc.idle;
  const [activeFrom, activeTo] = proc.active;
  const sent = raw.runs.reduce((n, r) => n + r.sent, 0);
  const activeCpu = cpuPercent(activeFrom.workerd, activeTo.workerd, clockTicks);
  const activeWallMs = activeTo.workerd.at - activeFrom.workerd.at;
  return {
    sessions: opts.sessions,
    viewers: raw.viewers.length,
    seconds: opts.seconds,
    eventsPerSecondPerSession: opts.eventsPerSecond,
    machines: raw.machines,
    setupSeconds: raw.setupSeconds,
    warmupSeconds: raw.warmupSeconds,
    eventToViewer: { whole: raw.latency.whole, windows: raw.latency.windows, medianOfThree: raw.latency.median },
    events: {
      sent,
      unacked: raw.runs.reduce((n, r) => n + Math.max(0, r.sent - r.acked), 0),
      expectedDeliveries: raw.viewers.reduce((n, v) => n + v.sentAt.length, 0),
      delivered: raw.viewers.reduce((n, v) => n + v.got, 0),
      lost: raw.viewers.reduce((n, v) => n + Math.max(0, v.sentAt.length - v.got), 0),
      duplicates: raw.viewers.reduce((n, v) => n + v.ledger.duplicates, 0),
      gaps: raw.viewers.reduce((n, v) => n + v.ledger.gaps, 0),
      reordered: raw.viewers.reduce((n, v) => n + v.ledger.reordered, 0),
    },
    errors: raw.tally.errors,
    firstErrors: raw.tally.firstErrors,
    workerd: {
      baseMiB: mib(proc.base.rssBytes),
      idleMiB: mib(idleTo.workerd.rssBytes),
      activeMiB: mib(activeTo.workerd.rssBytes),
      peakMiB: mib(proc.peakRss),
      afterMiB: mib(proc.after.rssBytes),
      idleCpuPercent: cpuPercent(idleFrom.workerd, idleTo.workerd, clockTicks),
      activeCpuPercent: activeCpu,
      perIdleRoomKiB: perRoomKiB(proc.base.rssBytes, idleTo.workerd.rssBytes, opts.sessions),
      perActiveRoomKiB: perRoomKiB(proc.base.rssBytes, activeTo.workerd.rssBytes, opts.sessions),
      cpuPercentPerActiveRoom: r2(activeCpu / opts.sessions),
      cpuMsPerEvent: r2(cpuMs(activeFrom.workerd, activeTo.workerd, clockTicks) / Math.max(1, sent)),
    },
    wrangler: {
      idleCpuPercent: cpuPercent(idleFrom.wrangler, idleTo.wrangler, clockTicks),
      activeCpuPercent: cpuPercent(activeFrom.wrangler, activeTo.wrangler, clockTicks),
    },
    outsideTheRoom: {
      summaryWritesPerEvent: r2(raw.perEvent.hubUpserts / Math.max(1, sent)),
      documentsPerEvent: r2(raw.perEvent.documentsIndexed / Math.max(1, sent)),
    },
    client: { cpuPercent: Math.round((raw.client.cpuMs / activeWallMs) * 1000) / 10, eventLoopP99Ms: raw.client.eventLoopP99Ms },
    load: { before: r2(raw.load.before), active: r2(raw.load.active), after: r2(raw.load.after) },
  };
}

const pct = (s: Stats) => `p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  (n=${s.n})`;

/** The lines one level prints. */
export function describe(f: ScaleFigures): string[] {
  const e = f.events;
  const w = f.workerd;
  const m = f.eventToViewer.medianOfThree;
  return [
    `scale ${f.sessions} live sessions × ${f.eventsPerSecondPerSession} event/s, ${f.viewers} viewers, ${f.seconds} s (${f.machines} simulated machines; setup ${f.setupSeconds} s; first ${f.warmupSeconds} s not timed)`,
    `  event → viewer              ${pct(f.eventToViewer.whole)}`,
    `  median of three windows      p50 ${m.p50} ms  p95 ${m.p95} ms  p99 ${m.p99} ms  (windows' p95: ${f.eventToViewer.windows.map((s) => s.p95).join(" / ")} ms; target p95 ≤ 50 ms)`,
    `  events                       ${e.sent} sent, ${e.unacked} unacknowledged; ${e.delivered} of ${e.expectedDeliveries} deliveries, ${e.lost} lost, ${e.duplicates} duplicated, ${e.gaps} seq gaps, ${e.reordered} reordered`,
    `  errors                       ${f.errors}${f.firstErrors.length ? ` (first: ${f.firstErrors.join("; ")})` : ""}`,
    `  workerd RSS                  ${w.baseMiB} MiB before, ${w.idleMiB} idle, ${w.activeMiB} active (peak ${w.peakMiB}), ${w.afterMiB} after`,
    `  memory per room              ${w.perIdleRoomKiB} KiB idle, ${w.perActiveRoomKiB} KiB active`,
    `  workerd CPU                  ${w.idleCpuPercent} % idle, ${w.activeCpuPercent} % active (of one core; ${w.cpuPercentPerActiveRoom} % per active room, ${w.cpuMsPerEvent} ms per event)`,
    `  per event outside the room   ${f.outsideTheRoom.summaryWritesPerEvent} D1 summary writes (each a hub frame), ${f.outsideTheRoom.documentsPerEvent} search documents indexed (each 3 D1 statements + a vector row)`,
    `  wrangler (node) CPU          ${f.wrangler.idleCpuPercent} % idle, ${f.wrangler.activeCpuPercent} % active; bench client ${f.client.cpuPercent} %, event-loop delay p99 ${f.client.eventLoopP99Ms} ms`,
    `  load average (1 min)         ${f.load.before} before, ${f.load.active} at the end of streaming, ${f.load.after} after`,
  ];
}
