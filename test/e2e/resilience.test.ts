import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../../worker/protocol/events";
import { startTower, waitForStatus, waitUntil, watch, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower({ agentGraceSeconds: 20 });
  await t.startAgent();
});
afterAll(async () => {
  await t?.close();
});

/** Every SDK message has a uuid: if one appears twice in the log, an event was doubled. */
function sdkUuids(events: SessionEvent[]): string[] {
  return events.flatMap((e) => (e.type === "sdk-message" && typeof e.message.uuid === "string" ? [e.message.uuid] : []));
}

describe("reconnects, restarts and the journal", () => {
  it("keeps an approval across a server restart and completes once it is approved", async () => {
    const cwd = join(t.workDir, "durable");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd });
    await waitForStatus(t, s.id, "waiting_for_approval");
    await t.restartServer();
    // The inbox (D1) may trail the room: a mirror the stop cut short is delivered by the room's outbox after the restart.
    let approvals: Awaited<ReturnType<typeof t.client.listApprovals>>["approvals"] = [];
    await waitUntil(
      async () => {
        approvals = (await t.client.listApprovals({ session: s.id })).approvals;
        return approvals.length > 0;
      },
      30_000,
      () => "the approval never reached the inbox after the restart",
    );
    expect(approvals).toHaveLength(1);
    await t.client.decide(approvals[0]!.id, { decision: "approve", inputSha256: approvals[0]!.inputSha256 });
    await waitForStatus(t, s.id, "completed");
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
  });

  it("loses nothing and doubles nothing when the agent restarts with events the server never acknowledged", async () => {
    const s = await t.client.createSession({ prompt: "slow 3000 ms please", cwd: t.workDir });
    await waitForStatus(t, s.id, "running");
    await t.stopServer();
    // Claude Code carries on while Tower is down; the agent journals what it cannot deliver.
    const journal = join(t.agentState, "journal", `${s.id}.jsonl`);
    await waitUntil(
      () => existsSync(journal) && readFileSync(journal, "utf8").includes('"run-ended"'),
      30_000,
      () => "run never ended",
    );
    t.agent!.kill("SIGKILL");
    await t.startServer();
    await t.startAgent();
    const done = await waitForStatus(t, s.id, "completed");
    expect(done.result).toBe("Sorry, that took a while.");
    const { events } = await t.client.events(s.id);
    const uuids = sdkUuids(events);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(events.filter((e) => e.type === "run-ended")).toHaveLength(1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    await waitUntil(
      () => !existsSync(journal),
      10_000,
      () => "journal was not cleared after the acks",
    );
  });

  it("shows a viewer that reconnects many times every event exactly once, in order", async () => {
    const cwd = join(t.workDir, "viewer");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "three steps", cwd });
    const viewer = watch(t, s.id);
    const approved = new Set<string>();
    const approver = (async () => {
      const until = Date.now() + 60_000;
      while ((await t.client.getSession(s.id)).status !== "completed" && Date.now() < until) {
        for (const a of (await t.client.listApprovals({ session: s.id })).approvals) {
          if (approved.has(a.id)) continue;
          approved.add(a.id);
          // Give the viewer time to drop and come back between the session's steps.
          await new Promise((r) => setTimeout(r, 150));
          await t.client.decide(a.id, { decision: "approve", inputSha256: a.inputSha256 });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // The server greets every connection it takes with a snapshot: that, not a loop counter, says the viewer came back.
    const snapshots = () => viewer.frames.filter((f) => f.type === "snapshot").length;
    await waitUntil(
      () => snapshots() === 1,
      10_000,
      () => "the viewer never connected",
    );
    for (let i = 1; i <= 10; i++) {
      viewer.live.reconnect();
      await waitUntil(
        () => snapshots() > i,
        10_000,
        () => `reconnect ${i} never came back (${snapshots()} snapshots)`,
      );
    }
    await approver;
    await waitForStatus(t, s.id, "completed");
    const { events } = await t.client.events(s.id);
    await waitUntil(
      () => viewer.events.length >= events.length,
      10_000,
      () => `viewer has ${viewer.events.length} of ${events.length}`,
    );
    expect(viewer.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    expect(approved.size).toBe(3);
    viewer.live.close();
  });
});
