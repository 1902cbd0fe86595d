/**
 * Parking after a wait, end to end: with APPROVAL_PARK_SECONDS at 3, a call still waiting after 3 s has its run
 * parked by the room (Claude Code ended, the agent still connected, the approval open); deciding it resumes
 * the session on the same machine and the tool runs exactly once, with nothing run before the decision.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTower, waitForStatus, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower({ vars: { APPROVAL_PARK_SECONDS: "3" } });
  await t.startAgent();
});
afterAll(async () => {
  await t?.close();
});

describe("parking after a wait", () => {
  it("a call that waits longer than APPROVAL_PARK_SECONDS is parked, and runs once when decided", async () => {
    const cwd = join(t.workDir, "timer");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd });
    await waitForStatus(t, s.id, "waiting_for_approval");
    await waitForStatus(t, s.id, "parked", 30_000);
    expect(t.agent?.exitCode).toBeNull();
    const [approval] = (await t.client.listApprovals({ session: s.id })).approvals;
    expect(approval).toMatchObject({ status: "pending", toolName: "Write" });
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    await t.client.decide(approval!.id, { decision: "approve", inputSha256: approval!.inputSha256 });
    await waitForStatus(t, s.id, "completed", 60_000);
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    const { events } = await t.client.events(s.id);
    expect(events.filter((e) => e.type === "approval-requested")).toHaveLength(1);
  });
});
