/**
 * The real agent (TowerAgent) running the real Claude Code binary against the fake Messages API, with
 * Tower's agent sockets played on loopback: `--capacity` holds at most that many Claude Code processes,
 * the rest wait visibly, and a cancel reaches a run whether it waits, is starting, or runs.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { TowerAgent } from "../../agent/daemon/agent.ts";
import type { AgentEvent, LaunchOrder } from "../../worker/protocol/agent.ts";
import { claudeSuite } from "../fixtures/claude-suite.ts";
import { startLoopbackTower, type LoopbackTower } from "../fixtures/loopback-tower.ts";

const suite = claudeSuite("tower-agent-");

const sessionId = (i: number) => `ses_${String(i).padStart(20, "0")}`;

async function agentWith(capacity: number): Promise<{ tower: LoopbackTower; agent: TowerAgent; stateDir: string; cwd: string }> {
  const tower = await startLoopbackTower();
  const stateDir = await suite.tempDir();
  const cwd = await suite.tempDir();
  const agent = new TowerAgent({
    server: tower.url,
    token: "agent-token",
    machine: { name: "box", hostname: "box", labels: [], capacity, versions: {} },
    stateDir,
    run: { env: suite.claudeEnv.env },
  });
  onTestFinished(async () => {
    await agent.stop(5_000);
    await tower.close();
  });
  await agent.start();
  return { tower, agent, stateDir, cwd };
}

/** A launch whose run holds a real Claude Code process: it waits on an approval nobody answers. */
const order = (i: number, cwd: string): LaunchOrder =>
  ({ sessionId: sessionId(i), runId: `run-${i}`, spec: { prompt: "Please write hello.txt", cwd } }) as LaunchOrder;
const types = (tower: LoopbackTower, i: number): AgentEvent["type"][] => (tower.events.get(sessionId(i)) ?? []).map((e) => e.type);
const has = (tower: LoopbackTower, i: number, type: AgentEvent["type"]) => types(tower, i).includes(type);
const pidFiles = (stateDir: string) => (existsSync(join(stateDir, "pids")) ? readdirSync(join(stateDir, "pids")).length : 0);

describe("capacity", () => {
  it("runs at most --capacity Claude Code processes; the rest wait, say so, and start as slots free", async () => {
    const { tower, stateDir, cwd } = await agentWith(2);
    for (const i of [1, 2, 3, 4]) tower.control({ type: "launch", order: order(i, cwd) });
    await tower.until(
      () => has(tower, 1, "approval-request") && has(tower, 2, "approval-request") && has(tower, 3, "run-waiting") && has(tower, 4, "run-waiting"),
    );
    expect(tower.events.get(sessionId(4))).toEqual([{ type: "run-waiting", runId: "run-4", capacity: 2, position: 2 }]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(pidFiles(stateDir)).toBe(2);
    expect(types(tower, 3)).toEqual(["run-waiting"]);

    // Cancelling a running run kills it and frees its slot for the next in line.
    tower.control({ type: "cancel", runId: "run-1" });
    await tower.until(() => has(tower, 1, "run-ended") && has(tower, 3, "approval-request"));
    expect(tower.events.get(sessionId(1))?.at(-1)).toMatchObject({ type: "run-ended", outcome: { kind: "interrupted" } });
    // Cancelling a waiting run ends it without ever starting Claude Code.
    tower.control({ type: "cancel", runId: "run-4" });
    await tower.until(() => has(tower, 4, "run-ended"));
    expect(types(tower, 4)).toEqual(["run-waiting", "run-ended"]);
    expect(pidFiles(stateDir)).toBe(2);
  });

  it("kills a run cancelled while Claude Code is only starting: it never asks for a tool", async () => {
    const { tower, stateDir, cwd } = await agentWith(1);
    tower.control({ type: "launch", order: order(7, cwd) });
    await tower.until(() => has(tower, 7, "run-started"));
    tower.control({ type: "cancel", runId: "run-7" });
    await tower.until(() => has(tower, 7, "run-ended"), 10_000);
    expect(tower.events.get(sessionId(7))?.at(-1)).toMatchObject({ type: "run-ended", outcome: { kind: "interrupted" } });
    expect(types(tower, 7)).not.toContain("approval-request");
    await tower.until(() => pidFiles(stateDir) === 0, 5_000);
  });
});
