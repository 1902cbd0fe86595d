import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../agent/up/local-server";
import { startTower, waitForStatus, waitUntil, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower({ agentGraceSeconds: 5 });
  await t.startAgent();
});
afterAll(async () => {
  await t?.close();
});

describe("happy", () => {
  it("launches with --wait, is approved by `tower approve` from another process, and exits 0 when completed", async () => {
    const cwd = join(t.workDir, "cli");
    await mkdir(cwd, { recursive: true });
    const launched = t.cli(["launch", "please write hello.txt", "--cwd", cwd, "--title", "from the CLI", "--wait", "--json"]);
    let approvalId = "";
    await waitUntil(
      async () => {
        const r = await t.cli(["approvals", "--json"]);
        const list = JSON.parse(r.stdout) as { id: string }[] | { approvals: { id: string }[] };
        const approvals = Array.isArray(list) ? list : list.approvals;
        approvalId = approvals[0]?.id ?? "";
        return approvalId !== "";
      },
      45_000,
      () => "no approval appeared",
    );
    const approve = await t.cli(["approve", approvalId]);
    expect(approve.code).toBe(0);
    const result = await launched;
    expect(result.code).toBe(0);
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.type === "status-changed" && l.to === "completed")).toBe(true);

    const ls = await t.cli(["ls", "--json"]);
    expect(ls.code).toBe(0);
    const sessions = JSON.parse(ls.stdout) as
      | { title: string; status: string; toolCallCount: number }[]
      | { sessions: { title: string; status: string; toolCallCount: number }[] };
    const rows = Array.isArray(sessions) ? sessions : sessions.sessions;
    expect(rows.find((s) => s.title === "from the CLI")).toMatchObject({ status: "completed", toolCallCount: 1 });
    const human = await t.cli(["ls"]);
    expect(human.stdout).toMatch(/from the CLI/);

    const audit = await t.cli(["audit", "--json"]);
    const entries = JSON.parse(audit.stdout) as { action: string; via: string; target: string }[];
    expect(entries).toEqual(expect.arrayContaining([expect.objectContaining({ action: "approval.approved", via: "human", target: approvalId })]));
    const verify = await t.cli(["audit", "verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/intact/);
  });
});

describe("errors", () => {
  it("exits 3 with a fix when the token is wrong", async () => {
    const r = await t.cli(["ls"], { token: "tower_wrong" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/fix:/);
  });

  it("exits 4 for an unknown session", async () => {
    const r = await t.cli(["show", "ses_00000000000000000000"]);
    expect(r.code).toBe(4);
  });

  it("reports a Claude Code crash (via --claude-path and the fault fake) as a failed session with the reason", async () => {
    t.agent!.kill("SIGKILL");
    await t.startAgent({ claudePath: join(PROJECT_ROOT, "test/fixtures/fake-claude.mjs"), env: { FAKE_CLAUDE_FAULT: "crash" } });
    const s = await t.client.createSession({ prompt: "just say hi", cwd: t.workDir });
    const failed = await waitForStatus(t, s.id, "failed");
    expect(failed.statusReason).toMatch(/exited with code 1/);
    t.agent!.kill("SIGKILL");
    await t.startAgent();
  });
});

describe("clean shutdown", () => {
  // A run waiting for approval is parked instead (test/e2e/parking.test.ts); a working run is interrupted.
  it("interrupts its working runs on SIGTERM, reports them, and exits 0", async () => {
    const cwd = join(t.workDir, "shutdown");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "slow 3000 ms please", cwd });
    await waitForStatus(t, s.id, "running");
    const agent = t.agent!;
    const exited = new Promise<number | null>((resolve) => agent.once("exit", (code) => resolve(code)));
    agent.kill("SIGTERM");
    expect(await exited).toBe(0);
    const ended = await waitForStatus(t, s.id, "interrupted", 20_000);
    expect(ended.pendingApprovals).toBe(0);
    expect(ended.statusReason).toMatch(/agent on e2e-machine was stopped/);
  });
});
