/**
 * The harness's close() must take every Claude Code process it caused with it: a run left alive after its
 * agent is killed keeps writing into the throwaway Claude home while close() removes it (ENOTEMPTY in CI).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startTower, waitForStatus, type Tower } from "./harness";

let t: Tower | undefined;
afterAll(async () => {
  await t?.close();
});

/** Processes of group `pgid` that still run (a zombie runs nothing). */
function liveMembers(pgid: number): number[] {
  const live: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces, so split after its closing parenthesis.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") live.push(Number(pid));
  }
  return live;
}

it("close() leaves no run's Claude Code process behind, even of an agent the test killed", async () => {
  t = await startTower();
  await t.startAgent();
  const s = await t.client.createSession({ prompt: "write hello.txt", cwd: t.workDir });
  await waitForStatus(t, s.id, "waiting_for_approval");
  const pidDir = join(t.agentState, "pids");
  const groups = readdirSync(pidDir).map((f) => (JSON.parse(readFileSync(join(pidDir, f), "utf8")) as { pgid: number }).pgid);
  expect(groups).toHaveLength(1);
  expect(liveMembers(groups[0]!).length).toBeGreaterThan(0);
  // As tests that kill a machine do: the agent is gone before close(), its run is not.
  const agent = t.agent!;
  await new Promise((exited) => agent.once("exit", exited).kill("SIGKILL"));
  expect(liveMembers(groups[0]!).length).toBeGreaterThan(0);
  const closing = t;
  t = undefined;
  await closing.close();
  expect(liveMembers(groups[0]!)).toEqual([]);
});
