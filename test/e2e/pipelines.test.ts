/**
 * Pipelines end to end: wrangler dev (the real Workflow), two real agent processes with different
 * labels running the real Claude Code on the fake Messages API, and the real CLI.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../worker/protocol/pipelines";
import { startTower, waitForStatus, waitUntil, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower({ agentGraceSeconds: 3 });
  await t.startAgent({ name: "alpha", labels: ["a", "pool"] });
  await t.startAgent({ name: "beta", labels: ["b", "pool"] });
});
afterAll(async () => {
  await t?.close();
});

function file(name: string, yaml: string): string {
  const path = join(t.workDir, name);
  writeFileSync(path, yaml);
  return path;
}

async function runUntil(id: string, pred: (r: RunView) => boolean, ms = 60_000): Promise<RunView> {
  let last: RunView | null = null;
  await waitUntil(
    async () => pred((last = await t.client.getPipelineRun(id))),
    ms,
    () => `run ${id}: ${JSON.stringify(last?.steps.map((s) => [s.id, s.status, s.statusReason]))}`,
  );
  return last!;
}

const step = (r: RunView, id: string) => r.steps.find((s) => s.id === id)!;

describe("happy", () => {
  it("imports a template from YAML and launches it from the CLI with typed parameters; a pipeline step pins its version", async () => {
    const tpl = file(
      "greet.yaml",
      `name: greet\nprompt: "just say hi to {{who}} {{times}} times"\nparams:\n  - { name: who, type: string }\n  - { name: times, type: number, default: 2 }\ncwd: ${t.workDir}\nselector: { labels: [a] }\n`,
    );
    const imported = await t.cli(["template", "import", tpl]);
    expect(imported.stdout, imported.stderr).toBe("created greet v1\n");
    const bad = await t.cli(["launch", "--template", "greet", "--param", "times=many", "--param", "who=x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"times" must be a number');
    const r = await t.cli(["launch", "--template", "greet@1", "--param", "who=e2e", "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const session = JSON.parse(r.stdout.split("\n")[0]!) as { id: string };
    const done = await waitForStatus(t, session.id, "completed");
    expect(done).toMatchObject({
      prompt: "just say hi to e2e 2 times",
      agentName: "alpha",
      templateVersion: 1,
      templateParams: { who: "e2e", times: 2 },
      result: "Hi! Nothing to do.",
    });
    const exported = await t.cli(["template", "export", "greet"]);
    expect(exported.stdout).toContain("just say hi to {{who}} {{times}} times");

    const run = await t.client.startPipelineRun({
      yaml: `name: templated\nsteps:\n  hello: { template: greet@1, params: { who: "{{params.name}}" } }\nparams: [{ name: name }]\n`,
      params: { name: "pipeline" },
    });
    const finished = await runUntil(run.id, (x) => x.status !== "running");
    expect(finished.status).toBe("succeeded");
    expect(step(finished, "hello")).toMatchObject({ template: { name: "greet", version: 1 }, agentName: "alpha" });
    expect(await t.client.getSession(step(finished, "hello").sessionId!)).toMatchObject({
      prompt: "just say hi to pipeline 2 times",
      templateVersion: 1,
      pipelineStepId: "hello",
    });
  });

  it("runs two steps in parallel on the right machines, then one after both with their outputs (tower pipeline run --wait)", async () => {
    const path = file(
      "three.yaml",
      `
name: three
params:
  - name: who
    type: string
defaults:
  cwd: ${t.workDir}
steps:
  left:
    prompt: "just say hi from {{params.who}} on the left"
    selector: { labels: [a] }
  right:
    prompt: "just say hi on the right"
    selector: { labels: [b] }
  join:
    needs: [left, right]
    prompt: "just say hi; left said {{steps.left.result}} in {{steps.left.sessionId}}"
`,
    );
    const r = await t.cli(["pipeline", "run", path, "--param", "who=e2e", "--wait"]);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${t.logs()}`).toBe(0);
    expect(r.stdout).toContain("run succeeded");
    const [run] = (await t.client.listPipelineRuns()).runs;
    expect(run!.steps.map((s) => [s.id, s.status, s.agentName])).toEqual([
      ["left", "succeeded", "alpha"],
      ["right", "succeeded", "beta"],
      ["join", "succeeded", expect.stringMatching(/^(alpha|beta)$/)],
    ]);
    const [left, right, join] = [step(run!, "left"), step(run!, "right"), step(run!, "join")];
    expect(join.startedAt!).toBeGreaterThanOrEqual(Math.max(left.endedAt!, right.endedAt!));
    expect(left.result).toBe("Hi! Nothing to do.");
    const joined = await t.client.getSession(join.sessionId!);
    expect(joined.prompt).toBe(`just say hi; left said Hi! Nothing to do. in ${left.sessionId}`);
    expect(joined).toMatchObject({ pipelineRunId: run!.id, pipelineStepId: "join", status: "completed" });
    expect((await t.client.getSession(left.sessionId!)).prompt).toBe("just say hi from e2e on the left");
  });

  it("cancels a run mid-way: the running session is interrupted and the next step never starts", async () => {
    const run = await t.client.startPipelineRun({
      yaml: `name: long\ndefaults: { cwd: ${t.workDir} }\nsteps:\n  wait: { prompt: "slow 20000ms please" }\n  after: { needs: wait, prompt: "just say hi" }\n`,
    });
    const running = await runUntil(run.id, (r) => step(r, "wait").sessionId !== null);
    const sessionId = step(running, "wait").sessionId!;
    await waitForStatus(t, sessionId, "running");
    const r = await t.cli(["pipeline", "cancel", run.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/long run_\w+ {2}cancelled/);
    await waitForStatus(t, sessionId, "interrupted");
    const after = await t.client.getPipelineRun(run.id);
    expect(after.steps.map((s) => [s.id, s.status])).toEqual([
      ["wait", "cancelled"],
      ["after", "cancelled"],
    ]);
    expect(after.steps[1]!.sessionIds).toEqual([]);
  });

  it("retries a step on the other machine when its agent is killed", async () => {
    const run = await t.client.startPipelineRun({
      yaml: `name: lossy\ndefaults: { cwd: ${t.workDir} }\nsteps:\n  work: { prompt: "slow 6000ms please", selector: { labels: [pool] }, retries: { max: 1, backoff: 1s } }\n`,
    });
    const first = await runUntil(run.id, (r) => step(r, "work").sessionId !== null);
    const victim = step(first, "work").agentName!;
    const survivor = victim === "alpha" ? "beta" : "alpha";
    await waitForStatus(t, step(first, "work").sessionId!, "running");
    t.agents.get(victim)!.kill("SIGKILL");
    const done = await runUntil(run.id, (r) => r.status !== "running", 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe("succeeded");
    const work = step(done, "work");
    expect(work).toMatchObject({ attempts: 2, agentName: survivor, result: "Sorry, that took a while." });
    expect(work.sessionIds).toHaveLength(2);
    const lost = await t.client.getSession(work.sessionIds[0]!);
    expect(lost).toMatchObject({ status: "failed", agentName: victim });
  });

  it("outlives a restart of the server: the run picks up where it was and finishes", async () => {
    const run = await t.client.startPipelineRun({
      yaml: `name: durable\ndefaults: { cwd: ${t.workDir}, selector: { labels: [pool] } }\nsteps:\n  first: { prompt: "slow 4000ms please" }\n  second: { needs: first, prompt: "just say hi after {{steps.first.result}}" }\n`,
    });
    const running = await runUntil(run.id, (r) => step(r, "first").sessionId !== null);
    await waitForStatus(t, step(running, "first").sessionId!, "running");
    await t.restartServer();
    const done = await runUntil(run.id, (r) => r.status !== "running", 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe("succeeded");
    const second = await t.client.getSession(step(done, "second").sessionId!);
    expect(second.prompt).toBe("just say hi after Sorry, that took a while.");
  });
});
