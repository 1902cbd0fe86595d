import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../agent/cli/config";
import { runCli } from "../../agent/cli/program";
import type { RunView } from "../../worker/protocol/pipelines";
import { cliHarness, NOW, summary } from "./cli-fixtures";

const harness = cliHarness;

const RUN: RunView = {
  id: "run_00000000000000000001",
  workspaceId: "wsp_00000000000000000001",
  name: "three",
  status: "running",
  statusReason: "1 running, 0 queued",
  createdBy: "usr_1",
  params: {},
  costUsd: 0.02,
  createdAt: NOW - 1000,
  updatedAt: NOW,
  endedAt: null,
  steps: [
    {
      id: "build",
      name: "build",
      needs: [],
      status: "succeeded",
      statusReason: "the session completed",
      attempts: 1,
      maxAttempts: 1,
      sessionId: "ses_00000000000000000001",
      sessionIds: ["ses_00000000000000000001"],
      agentId: "agt_1",
      agentName: "linux-box",
      selector: ["linux"],
      template: null,
      result: "ok",
      costUsd: 0.02,
      readyAt: NOW,
      startedAt: NOW,
      endedAt: NOW,
    },
    {
      id: "review",
      name: "review",
      needs: ["build"],
      status: "queued",
      statusReason: "waiting for a free seat on a machine labelled gpu (gpu-box 1/1)",
      attempts: 0,
      maxAttempts: 3,
      sessionId: null,
      sessionIds: [],
      agentId: null,
      agentName: null,
      selector: ["gpu"],
      template: null,
      result: null,
      costUsd: 0,
      readyAt: NOW,
      startedAt: null,
      endedAt: null,
    },
  ],
};

describe("happy", () => {
  it("launches from a template version with typed parameters left to the server to coerce", async () => {
    const h = harness(() => ({ status: 201, json: summary({ status: "queued", templateId: "tpl_1", templateVersion: 2 }) }));
    const r = await h.run("launch", "--template", "fix-flaky@2", "--param", "test=auth.spec.ts", "--param", "tries=5", "--agent", "laptop");
    expect(r.code).toBe(0);
    expect(h.sent[0]).toMatchObject({ method: "POST", body: { version: 2, params: { test: "auth.spec.ts", tries: "5" }, agent: "laptop" } });
    expect(h.sent[0]!.url.pathname).toBe("/api/templates/fix-flaky/launch");
    expect(r.stdout).toContain("from template tpl_1 v2");
  });

  it("imports a template file and reports what changed", async () => {
    const h = harness(() => ({
      json: {
        outcome: "versioned",
        template: {
          id: "tpl_1",
          workspaceId: "w",
          name: "fix",
          description: "",
          visibility: "workspace",
          authorId: "u",
          version: 3,
          latestVersion: 3,
          recipe: { prompt: "p", params: [] },
          createdAt: 1,
          updatedAt: 1,
          updatedBy: "u",
        },
      },
    }));
    writeFileSync(join(h.cwd, "fix.yaml"), "name: fix\nprompt: p\n");
    const r = await h.run("template", "import", "fix.yaml");
    expect(h.sent[0]).toMatchObject({ method: "POST", body: { yaml: "name: fix\nprompt: p\n" } });
    expect(r.stdout).toBe("versioned fix v3\n");
  });

  it("starts a pipeline run from its file with parameters", async () => {
    const h = harness(() => ({ status: 201, json: RUN }));
    writeFileSync(join(h.cwd, "p.yaml"), "name: three\n");
    const r = await h.run("pipeline", "run", "p.yaml", "--param", "test=a");
    expect(r.code).toBe(0);
    expect(h.sent[0]).toMatchObject({ method: "POST", body: { yaml: "name: three\n", params: { test: "a" } } });
    expect(r.stdout).toContain(`started three ${RUN.id} (2 steps)`);
  });

  it("shows a run as its graph: status, machine, tries and why a step waits", async () => {
    const h = harness(() => ({ json: RUN }));
    const r = await h.run("pipeline", "show", RUN.id);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toContain("three run_00000000000000000001  running");
    expect(lines.find((l) => l.includes("build"))).toMatch(/succeeded\s+build\s+-\s+linux-box\s+1\s+ses_/);
    expect(lines.find((l) => l.includes("review"))).toMatch(/queued\s+review\s+build\s+-\s+0\s+-\s+waiting for a free seat/);
  });
});

describe("errors", () => {
  it.each([
    [["launch", "--template", "fix", "--param", "novalue"], "--param"],
    [["launch", "--template", "fix@x"], "--template"],
    [["launch", "--template", "fix", "also a prompt"], "--template takes its prompt"],
    [["launch", "--param", "a=b", "do it"], "--param needs --template"],
    [["pipeline", "run", "missing.yaml"], "Cannot read missing.yaml"],
  ])("%j exits 2 without a request", async (argv, message) => {
    const h = harness();
    const r = await h.run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(h.sent).toHaveLength(0);
  });

  it("shows the server's line-and-column error for a bad pipeline file, exit 2", async () => {
    const h = harness(() => ({
      status: 400,
      json: { error: { code: "BAD_REQUEST", message: "The pipeline file is invalid: line 5, column 5: steps.a.retries: Invalid input", requestId: "r" } },
    }));
    writeFileSync(join(h.cwd, "p.yaml"), "x");
    const r = await h.run("pipeline", "run", "p.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 5, column 5: steps.a.retries");
  });
});
