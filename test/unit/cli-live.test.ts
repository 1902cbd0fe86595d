import { describe, expect, it } from "vitest";
import { followFrame, startFollow, type FollowState } from "../../agent/cli/live";
import type { SessionEvent } from "../../worker/protocol/events";
import type { ServerFrame } from "../../worker/protocol/frames";
import type { SessionStatus } from "../../worker/protocol/session";
import { NOW, summary } from "./cli-fixtures";

const status = (seq: number, to: SessionStatus): SessionEvent => ({ seq, at: NOW, type: "status-changed", from: null, to, reason: "r" });
const prompt = (seq: number): SessionEvent => ({ seq, at: NOW, type: "user-prompt", prompt: "p", by: "u" });
const snapshot = (s: SessionStatus, lastSeq: number): ServerFrame => ({ type: "snapshot", session: summary({ status: s, lastSeq }), approvals: [], lastSeq });
const events = (list: SessionEvent[], replay = false): ServerFrame => ({ type: "events", events: list, replay });

function run(frames: ServerFrame[], after = 0) {
  let state: FollowState = startFollow(after);
  const seen: number[] = [];
  const ended: (SessionStatus | null)[] = [];
  for (const f of frames) {
    const r = followFrame(state, f);
    state = r.state;
    seen.push(...r.events.map((e) => e.seq));
    ended.push(r.ended);
  }
  return { seen, ended };
}

describe("happy", () => {
  it("follows a running session until a live status change stops it", () => {
    const r = run([snapshot("running", 2), events([status(1, "queued"), status(2, "running")], true), events([prompt(3)]), events([status(4, "completed")])]);
    expect(r.seen).toEqual([1, 2, 3, 4]);
    expect(r.ended).toEqual([null, null, null, "completed"]);
  });

  it("ends after replaying the history of a session that has already stopped", () => {
    const r = run([snapshot("failed", 3), events([status(1, "queued"), status(2, "running")], true), events([status(3, "failed")], true)]);
    expect(r.ended).toEqual([null, null, "failed"]);
  });

  it("does not stop on an old ending in the history of a session that was continued", () => {
    const r = run([snapshot("queued", 4), events([status(1, "running"), status(2, "completed")], true), events([status(3, "queued"), prompt(4)], true)]);
    expect(r.ended).toEqual([null, null, null]);
  });

  it("ends at once when asked only for events after the end", () => {
    expect(run([snapshot("waiting_for_input", 5)], 5).ended).toEqual(["waiting_for_input"]);
  });

  it("skips events it has already seen, e.g. after a reconnect", () => {
    const r = run([
      snapshot("running", 2),
      events([status(1, "queued"), status(2, "running")], true),
      snapshot("running", 2),
      events([status(2, "running"), prompt(3)]),
    ]);
    expect(r.seen).toEqual([1, 2, 3]);
  });
});

describe("errors", () => {
  it("keeps following across an error frame", () => {
    const err: ServerFrame = { type: "error", ref: null, error: { code: "BAD_REQUEST", message: "bad", requestId: "r" } };
    expect(run([snapshot("running", 0), err]).ended).toEqual([null, null]);
  });
});
