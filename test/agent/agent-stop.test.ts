/**
 * Ctrl-C on the real `tower agent` process while its sessions wait for approval, with the real Claude
 * Code binary on the fake Messages API and Tower's agent sockets on loopback: a clean stop prints no
 * stack trace, parks each run whose call waits (run-parked names the call and its input's sha256; the
 * approval is not withdrawn), has every event acknowledged before it exits, and exits 0.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { inputSha256 } from "../../agent/park.ts";
import { PROJECT_ROOT } from "../../agent/up/local-server.ts";
import type { AgentEvent, LaunchOrder } from "../../worker/protocol/agent.ts";
import { claudeSuite } from "../fixtures/claude-suite.ts";
import { startLoopbackTower } from "../fixtures/loopback-tower.ts";

const suite = claudeSuite("tower-stop-");

const sessionId = (i: number) => `ses_${String(i).padStart(20, "0")}`;
const order = (i: number, cwd: string): LaunchOrder =>
  ({ sessionId: sessionId(i), runId: `run-${i}`, spec: { prompt: "Please write hello.txt", cwd } }) as LaunchOrder;

describe("clean stop", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s with two sessions waiting for approval parks both, no stack trace", async (signal) => {
    const tower = await startLoopbackTower();
    onTestFinished(() => tower.close());
    const stateDir = await suite.tempDir();
    const cwd = await suite.tempDir();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...suite.claudeEnv.env })) if (v !== undefined) env[k] = v;
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, "agent/bin/tower.mjs"), "agent", "--server", tower.url, "--token", "agent-token", "--name", "box", "--state-dir", stateDir],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (c) => (output += String(c)));
    child.stderr.on("data", (c) => (output += String(c)));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    onTestFinished(() => void child.kill("SIGKILL"));

    await tower.until(() => output.includes("connected to"), 30_000);
    for (const i of [1, 2]) tower.control({ type: "launch", order: order(i, cwd) });
    const events = (i: number): AgentEvent[] => tower.events.get(sessionId(i)) ?? [];
    const asked = (i: number) => events(i).some((e) => e.type === "approval-request");
    await tower.until(() => asked(1) && asked(2), 60_000);

    child.kill(signal);
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/Query closed|^\s+at /m);
    expect(output.length).toBeLessThan(4_000);
    for (const i of [1, 2]) {
      const request = events(i).find((e) => e.type === "approval-request");
      if (request?.type !== "approval-request") throw new Error("no approval request");
      expect(events(i).some((e) => e.type === "approval-withdrawn")).toBe(false);
      const parked = events(i).find((e) => e.type === "run-parked");
      expect(parked).toMatchObject({
        runId: `run-${i}`,
        requestId: request.requestId,
        call: { toolUseId: request.toolUseId, toolName: request.toolName, input: request.input, inputSha256: inputSha256(request.input) },
      });
      expect(events(i).at(-1)).toMatchObject({ type: "run-ended", outcome: { kind: "interrupted", error: "parked" } });
    }
  });
});
