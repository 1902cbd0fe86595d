import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../../worker/protocol/events";
import { startTower, waitForStatus, waitUntil, watch, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower({ agentGraceSeconds: 4 });
  await t.startAgent();
});
afterAll(async () => {
  await t?.close();
});

const approvalOf = (e: SessionEvent) => (e.type === "approval-requested" ? e.approval : null);

describe("happy", () => {
  it("smoke: the server answers and lists the local agent online", async () => {
    expect((await t.client.health()).ok).toBe(true);
    const { agents } = await t.client.listAgents();
    expect(agents).toEqual([expect.objectContaining({ name: t.agentName, online: true })]);
  });

  it("launch → live events → waiting_for_approval → approve over WebSocket → tool runs → completed", async () => {
    const cwd = t.workDir;
    const s = await t.client.createSession({ prompt: "please write hello.txt", cwd });
    const viewer = watch(t, s.id);
    const requested = await viewer.waitFor((e) => e.type === "approval-requested");
    const approval = approvalOf(requested)!;
    expect(approval).toMatchObject({ toolName: "Write", status: "pending", input: { file_path: join(cwd, "hello.txt") } });
    expect((await t.client.getSession(s.id)).status).toBe("waiting_for_approval");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    viewer.live.send({ type: "decide", ref: "ok-1", approvalId: approval.id, body: { decision: "approve", inputSha256: approval.inputSha256 } });
    const done = await waitForStatus(t, s.id, "completed");
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    expect(done).toMatchObject({ result: "Done.", pendingApprovals: 0, toolCallCount: 1 });
    expect(done.messageCount).toBeGreaterThanOrEqual(3);
    expect(done.costUsd).toBeGreaterThan(0);
    expect(done.claudeSessionId).toMatch(/^[0-9a-f-]{36}$/);
    const statuses = viewer.events.flatMap((e) => (e.type === "status-changed" ? [e.to] : []));
    expect(statuses).toEqual(expect.arrayContaining(["starting", "running", "waiting_for_approval", "completed"]));
    expect(statuses.indexOf("waiting_for_approval")).toBeLessThan(statuses.lastIndexOf("running"));
    viewer.live.close();
  });

  it("denies with a comment: Claude is told why and the file is never written", async () => {
    const cwd = join(t.workDir, "deny");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd });
    const viewer = watch(t, s.id);
    const approval = approvalOf(await viewer.waitFor((e) => e.type === "approval-requested"))!;
    const decided = await t.client.decide(approval.id, { decision: "deny", comment: "not in this folder", inputSha256: approval.inputSha256 }, s.id);
    expect(decided).toMatchObject({ status: "denied", comment: "not in this folder", via: "human" });
    await waitForStatus(t, s.id, "completed");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    const denied = viewer.events.find((e) => e.type === "sdk-message" && e.message.type === "user" && JSON.stringify(e.message).includes("not in this folder"));
    expect(denied).toBeDefined();
    viewer.live.close();
  });

  it("continues a completed session in the same Claude conversation, and forks it into a new session", async () => {
    const s = await t.client.createSession({ prompt: "just say hi", cwd: t.workDir });
    const first = await waitForStatus(t, s.id, "completed");
    await t.client.continueSession(s.id, { prompt: "just say hi again" });
    const second = await waitForStatus(t, s.id, "completed");
    expect(second.claudeSessionId).toBe(first.claudeSessionId);
    const fork = await t.client.continueSession(s.id, { prompt: "just say hi from the fork", fork: true });
    expect(fork.id).not.toBe(s.id);
    expect(fork.parentSessionId).toBe(s.id);
    const forked = await waitForStatus(t, fork.id, "completed");
    expect(forked.claudeSessionId).not.toBe(first.claudeSessionId);
  });
});

describe("errors", () => {
  it("fails a session whose working directory does not exist on the machine, saying so", async () => {
    const s = await t.client.createSession({ prompt: "just say hi", cwd: join(t.workDir, "no-such-dir") });
    const failed = await waitForStatus(t, s.id, "failed");
    expect(failed.statusReason).toMatch(/no-such-dir does not exist on this machine/);
  });
});

describe("interrupts and agent loss", () => {
  it("interrupts while an approval is pending: the approval is cancelled and the session ends interrupted", async () => {
    const cwd = join(t.workDir, "interrupt");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd });
    const viewer = watch(t, s.id);
    await viewer.waitFor((e) => e.type === "approval-requested");
    const interrupting = await t.client.interrupt(s.id);
    expect(["interrupting", "interrupted"]).toContain(interrupting.status);
    await waitForStatus(t, s.id, "interrupted");
    // The inbox is D1's mirror, which trails the room by its coalescing window.
    await waitUntil(
      async () => (await t.client.listApprovals({ session: s.id, status: "all" })).approvals.map((a) => a.status).join() === "cancelled",
      5_000,
      () => "approval not cancelled in the inbox",
    );
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    viewer.live.close();
  });

  it("fails a session whose agent is killed mid-run, with reason 'agent lost' and its approval cancelled", async () => {
    const cwd = join(t.workDir, "lost");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd });
    await waitForStatus(t, s.id, "waiting_for_approval");
    t.agent!.kill("SIGKILL");
    const failed = await waitForStatus(t, s.id, "failed", 30_000);
    expect(failed.statusReason).toMatch(/agent lost/);
    expect(failed.pendingApprovals).toBe(0);
    const { agents } = await t.client.listAgents();
    expect(agents[0]?.online).toBe(false);
    await t.startAgent();
  });
});
