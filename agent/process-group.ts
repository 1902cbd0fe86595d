/**
 * Claude Code never outlives the agent that started it. Each run's process is spawned (through the SDK's
 * `spawnClaudeCodeProcess`) as the leader of its own process group, so stopping it stops everything it
 * started (Bash commands, MCP servers), and the group is recorded in a pid file for the run. A `kill -9`
 * of the agent leaves the group running; the next agent on this state dir reaps it before doing anything.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SpawnOptions, SpawnedProcess } from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";

/** Set in the child's environment; the reaper checks it so a recycled pid is never mistaken for our group. */
export const RUN_ENV = "TOWER_RUN_ID";

const PidFile = z.object({ runId: z.string().min(1), pgid: z.number().int().positive(), startedAt: z.number() });

export interface GroupSpawnOptions {
  /** Where to record the group while it lives (removed when the group is gone). */
  pidFile?: string;
  runId: string;
  stderr?: (chunk: string) => void;
}

/** Signals every process of the group; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Spawns Claude Code as a process-group leader, recorded in `pidFile` until the group is gone. */
export function spawnInGroup(o: SpawnOptions, g: GroupSpawnOptions): SpawnedProcess {
  const env = { ...o.env, [RUN_ENV]: g.runId };
  const child = spawn(o.command, o.args, { cwd: o.cwd, env, detached: true, stdio: ["pipe", "pipe", g.stderr ? "pipe" : "ignore"] });
  if (g.stderr) child.stderr?.on("data", (d: Buffer) => g.stderr?.(d.toString()));
  const pgid = child.pid;
  if (pgid !== undefined && g.pidFile) {
    mkdirSync(join(g.pidFile, ".."), { recursive: true });
    writeFileSync(g.pidFile, JSON.stringify({ runId: g.runId, pgid, startedAt: Date.now() } satisfies z.infer<typeof PidFile>));
  }
  const killOne = child.kill.bind(child);
  const killGroup = (signal?: NodeJS.Signals | number): boolean =>
    (pgid !== undefined && signalGroup(pgid, typeof signal === "string" ? signal : "SIGTERM")) || killOne(signal);
  o.signal?.addEventListener("abort", () => killGroup("SIGTERM"), { once: true });
  child.once("exit", () => {
    // What Claude Code left in its group (a backgrounded Bash command) goes with it.
    if (pgid !== undefined) signalGroup(pgid, "SIGKILL");
    if (g.pidFile) rmSync(g.pidFile, { force: true });
  });
  // The SDK stops Claude Code through kill(): make that stop the whole group.
  child.kill = killGroup;
  return child as ChildProcess & SpawnedProcess;
}

export interface Reaped {
  runId: string;
  pgid: number;
  /** true: the group was still running and was killed; false: it was already gone. */
  killed: boolean;
}

/**
 * Kills every recorded group that still runs and forgets every pid file; called by an agent on start,
 * before it takes any launch. On Linux a group is killed only if one of its processes carries the run's
 * id in its environment (a pid can be reused after a reboot or a long outage).
 */
export function reapGroups(dir: string): Reaped[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const reaped: Reaped[] = [];
  for (const f of files) {
    const path = join(dir, f);
    const parsed = PidFile.safeParse(safeJson(path));
    rmSync(path, { force: true });
    if (!parsed.success) continue;
    const { runId, pgid } = parsed.data;
    const ours = signalGroup(pgid, 0) && belongsToRun(pgid, runId);
    reaped.push({ runId, pgid, killed: ours && signalGroup(pgid, "SIGKILL") });
  }
  return reaped;
}

function safeJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** Linux: some process of group `pgid` has `TOWER_RUN_ID=runId`. Elsewhere (no /proc) the pid file is trusted. */
function belongsToRun(pgid: number, runId: string): boolean {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return true;
  }
  const marker = `${RUN_ENV}=${runId}`;
  return pids.some((pid) => {
    try {
      // Field 5 of stat is the process group; the command name (field 2) may hold spaces, so split after ")".
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) return false;
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker);
    } catch {
      return false;
    }
  });
}
