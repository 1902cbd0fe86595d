import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../../agent/daemon/journal";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), "tower-journal-"));
  dirs.push(d);
  return d;
};
const S = "ses_00000000000000000001";
const msg = (n: number) => ({ type: "sdk-message" as const, message: { type: "assistant", n } });

describe("numbering a run's events", () => {
  it("numbers each run's events 1, 2, 3… on its own", () => {
    const j = new Journal(stateDir());
    expect([j.append(S, "run-a", msg(1)), j.append(S, "run-a", msg(2)), j.append(S, "run-b", msg(1))].map((e) => [e.runId, e.seq])).toEqual([
      ["run-a", 1],
      ["run-a", 2],
      ["run-b", 1],
    ]);
  });

  it("goes on from the last number after a restart, so the lost run's ending is the next of its run", () => {
    const dir = stateDir();
    const before = new Journal(dir);
    before.markRun(S, "run-a", false);
    const sent = [1, 2, 3].map((n) => before.append(S, "run-a", msg(n)));
    before.ack(
      S,
      sent.map((e) => e.id),
    ); // acknowledged: the room has them, the agent keeps the run open
    const after = new Journal(dir);
    expect(after.openRuns()).toEqual([{ sessionId: S, runId: "run-a" }]);
    expect(after.append(S, "run-a", msg(4)).seq).toBe(4);
  });

  it("syncs a run's start before the launch can be acknowledged", () => {
    const synced: number[] = [];
    const j = new Journal(stateDir(), { datasync: (fd) => synced.push(fd) });
    j.append(S, "run-a", msg(1));
    expect(synced).toHaveLength(0); // appending alone does not sync: the channel syncs before it sends
    j.markRun(S, "run-b", false);
    expect(synced.length).toBeGreaterThanOrEqual(2); // runs-seen file and the session's journal
  });
});

describe("a rule's decision applied before the room recorded the call", () => {
  const stamp = {
    verdict: { decision: "allow" as const, rule: { index: 0, id: "work-writes", version: 1 }, message: null, reason: "Write /work/a.txt" },
    seal: "ab".repeat(32),
  };
  const request = { type: "approval-request" as const, requestId: "req-1", toolName: "Write", input: { file_path: "/work/a.txt" } };

  it("journals the applied decision onto the unacknowledged request, durably, so a restarted agent resends it", () => {
    const dir = stateDir();
    const synced: number[] = [];
    const before = new Journal(dir, { datasync: (fd) => synced.push(fd) });
    before.markRun(S, "run-a", false);
    const sent = before.append(S, "run-a", request);
    before.sync(S);
    const syncs = synced.length;
    expect(before.applied(S, "req-1", stamp)).toBe(true);
    expect(synced.length).toBe(syncs + 1); // on disk before Claude Code is told
    expect(before.unacked(S)).toEqual([{ ...sent, event: { ...request, applied: stamp } }]);
    const after = new Journal(dir);
    expect(after.unacked(S)).toEqual([{ ...sent, event: { ...request, applied: stamp } }]);
  });

  it("journals nothing once the room has acknowledged the request (its record is durable)", () => {
    const dir = stateDir();
    const j = new Journal(dir);
    j.markRun(S, "run-a", false);
    const sent = j.append(S, "run-a", request);
    j.ack(S, [sent.id]);
    expect(j.applied(S, "req-1", stamp)).toBe(false);
    expect(new Journal(dir).unacked(S)).toEqual([]);
  });
});
