/**
 * Claude Code never outlives the agent that started it: a run's process is the leader of its own
 * group, recorded in a pid file, and an agent killed with SIGKILL leaves a group the next agent reaps.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { reapGroups, signalGroup } from "../../agent/process-group.ts";

const FAKE_CLAUDE = fileURLToPath(new URL("../fixtures/fake-claude.mjs", import.meta.url));
const HOLDER = fileURLToPath(new URL("../fixtures/agent-holding-a-run.ts", import.meta.url));
const scratch: string[] = [];

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Alive and not a zombie (a dead child of a killed parent may linger unreaped). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function until<T>(fn: () => T | null | undefined | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("processes", () => {
  it("a run killed with its agent (SIGKILL) is reaped by the next agent on the same state dir", async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), "tower-pids-")));
    scratch.push(dir);
    const pidFile = join(dir, "pids", "run-1.json");
    const args = { spec: { prompt: "anything", cwd: dir }, options: { claudePath: FAKE_CLAUDE, env: { FAKE_CLAUDE_FAULT: "hang" }, runId: "run-1", pidFile } };
    const agent = spawn(process.execPath, ["--import", "tsx", HOLDER, JSON.stringify(args)], { stdio: ["ignore", "pipe", "ignore"] });
    onTestFinished(() => void agent.kill("SIGKILL"));
    let out = "";
    agent.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await until(() => out.includes("ready"), 30_000);
    const { pgid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pgid: number };
    expect(pgid).not.toBe(agent.pid);

    agent.kill("SIGKILL");
    await new Promise((r) => agent.once("exit", r));
    await new Promise((r) => setTimeout(r, 500));
    expect(isRunning(pgid)).toBe(true); // the fault: Claude Code runs on without its agent

    expect(reapGroups(join(dir, "pids"))).toEqual([{ runId: "run-1", pgid, killed: true }]);
    await until(() => !isRunning(pgid), 5_000);
    expect(existsSync(pidFile)).toBe(false);
  });

  it("leaves a recorded group alone when its processes belong to no run of ours (a reused pid)", async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), "tower-pids-")));
    scratch.push(dir);
    const stranger = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    try {
      const { writeFileSync, mkdirSync } = await import("node:fs");
      mkdirSync(join(dir, "pids"));
      writeFileSync(join(dir, "pids", "run-2.json"), JSON.stringify({ runId: "run-2", pgid: stranger.pid, startedAt: Date.now() }));
      expect(reapGroups(join(dir, "pids"))).toEqual([{ runId: "run-2", pgid: stranger.pid, killed: false }]);
      expect(signalGroup(stranger.pid!, 0)).toBe(true);
    } finally {
      stranger.kill("SIGKILL");
    }
  });
});
