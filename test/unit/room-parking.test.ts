/**
 * Parking in the room (party/core/parking.ts): a run-parked report leaves the approval open and the session
 * parked with no run; an answer (a person, the deadline) launches one run resuming exactly that call on the
 * same machine; the run's ending after run-parked cancels nothing; a parked call with another input is refused.
 */
import { describe, expect, it } from "vitest";
import { roomDriver } from "./room-driver";
import { step, toPublicApproval, type Effect, type RoomInput, type RoomState } from "../../party/core/room";
import { canonicalSha256 } from "../../party/hash";
import { totals } from "../../party/core/tally";
import type { LaunchOrder } from "../../worker/protocol/agent";
import type { DecisionBody } from "../../worker/protocol/approval";
import type { ApprovalId } from "../../worker/protocol/ids";
import type { Json } from "../../worker/protocol/json";

const { ctx, run, ev, running } = roomDriver({ parkAfterMs: 5_000 });

const input = { file_path: "/tmp/a", content: "hi" };
const sha = canonicalSha256(input);
const outcome = { costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 0, durationMs: 0 };

function asking(): RoomState {
  return run(running(), [ev({ type: "approval-request", requestId: "req-1", toolName: "Write", toolUseId: "toolu_1", input })]).state;
}

const parkedEvent = (callSha = sha) =>
  ev({
    type: "run-parked",
    runId: "run1",
    requestId: "req-1",
    call: { claudeSessionId: "claude-1", toolUseId: "toolu_1", toolName: "Write", input, inputSha256: callSha },
  });
const ended = () => ev({ type: "run-ended", runId: "run1", outcome: { ...outcome, kind: "interrupted", error: "parked" } });
const launches = (effects: Effect[]): LaunchOrder[] => effects.flatMap((e) => (e.type === "launch" ? [e.order] : []));
type Choice = { decision: "approve"; updatedInput?: Record<string, Json> } | { decision: "deny"; comment: string };
/** A decision on the input shown; an edit carries its hash, as the room's caller computes it. */
const decide = (_s: RoomState, id: string, body: Choice): RoomInput => {
  const edit = body.decision === "approve" ? body.updatedInput : undefined;
  return {
    type: "decide",
    approvalId: id,
    body: { ...body, inputSha256: sha } as DecisionBody,
    by: "alice",
    ...(edit ? { editSha256: canonicalSha256(edit) } : {}),
  };
};

describe("parking", () => {
  it("a parked run leaves the approval pending and the session parked; its ending cancels nothing", () => {
    const { state, effects } = run(asking(), [parkedEvent(), ended()]);
    const [rec] = Object.values(state.approvals);
    expect(rec?.status).toBe("pending");
    expect(toPublicApproval(rec!)).toMatchObject({ status: "pending", parked: true });
    expect(state.session?.status).toBe("parked");
    expect(state.session?.endedAt).toBeNull();
    expect(effects.some((e) => e.type === "send-agent")).toBe(false);
  });

  it("the parked run's cost counts in the session's tally", () => {
    const { state } = run(asking(), [
      parkedEvent(),
      ev({ type: "run-ended", runId: "run1", outcome: { ...outcome, costUsd: 0.25, numTurns: 1, kind: "interrupted", error: "parked" } }),
    ]);
    expect(totals(state.session!.tally).costUsd).toBe(0.25);
    expect(state.session?.status).toBe("parked");
  });

  it("approving a parked approval launches one run resuming exactly that call, on the session's machine", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const id = Object.keys(parked.approvals)[0]!;
    const { state, effects } = run(parked, [decide(parked, id, { decision: "approve" })]);
    expect(state.approvals[id]?.status).toBe("approved");
    expect(state.session?.status).toBe("queued");
    expect(launches(effects)).toEqual([
      {
        sessionId: "ses_aaaaaaaaaaaaaaaaaaaa",
        runId: `park-${id}`,
        spec: { prompt: "p", cwd: "/tmp" },
        resume: "claude-1",
        parked: { toolUseId: "toolu_1", inputSha256: sha, answer: { behavior: "allow" } },
      },
    ]);
    expect(effects.some((e) => e.type === "send-agent")).toBe(false);
    // The resumed run is the session's run: its start and ending move the session as any run's do.
    const after = run(state, [
      ev({ type: "run-started", runId: `park-${id}` }),
      ev({ type: "run-ended", runId: `park-${id}`, outcome: { ...outcome, kind: "success" } }),
    ]);
    expect(after.state.session?.status).toBe("completed");
  });

  it("a signed decision's proof travels with the resumed run, for a machine that verifies it", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const id = Object.keys(parked.approvals)[0]!;
    const proof = {
      decision: {
        statement: {
          type: "tower.decision/v1" as const,
          workspaceId: "wsp_aaaaaaaaaaaaaaaaaaaa",
          sessionId: "ses_aaaaaaaaaaaaaaaaaaaa",
          approvalId: id,
          toolUseId: "toolu_1",
          inputSha256: sha,
          decision: "approve" as const,
          updatedInputSha256: null,
          approver: "usr_owner",
          keyId: `key_${"a".repeat(32)}` as never,
          expiresAt: 2_000_000,
        },
        signature: { alg: "ed25519" as const, keyId: `key_${"a".repeat(32)}` as never, sig: "A".repeat(86) },
      },
      enrolment: null,
      revocations: [],
    };
    const { effects } = run(parked, [{ ...decide(parked, id, { decision: "approve" }), proof } as RoomInput]);
    expect(launches(effects)[0]?.parked).toEqual({ toolUseId: "toolu_1", inputSha256: sha, answer: { behavior: "allow" }, proof });
  });

  it("a machine that refuses the decision on its parked call (it resumed with a deny): the approval is recorded denied, with why, and nothing more is sent or launched", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const id = Object.keys(parked.approvals)[0]!;
    const resumed = run(parked, [decide(parked, id, { decision: "approve" }), ev({ type: "run-started", runId: `park-${id}` })]).state;
    const refusal = ev({ type: "parked-decision-refused", toolUseId: "toolu_1", reason: "the signed statement has expired" }, `park-${id}`);
    const { state, effects } = run(resumed, [refusal]);
    expect(state.approvals[id]).toMatchObject({ status: "denied", via: "system", decidedBy: "laptop" });
    expect(state.approvals[id]?.comment).toContain("the signed statement has expired");
    expect(effects.filter((e) => e.type === "send-agent" || e.type === "launch")).toEqual([]);
    const resolved = effects.flatMap((e) => (e.type === "emit" && e.body.type === "approval-resolved" ? [e.body] : []));
    expect(resolved).toMatchObject([{ approvalId: id, status: "denied", via: "system", by: "laptop" }]);
    expect(state.session?.status).toBe(resumed.session?.status); // the resumed run goes on, past the deny
    // A repeat (the journal resends it) changes nothing more.
    const again = run(state, [refusal]);
    expect(again.effects.filter((e) => e.type === "save-approval")).toEqual([]);
  });

  it("a refusal naming another call, or a run other than the one resuming it, changes nothing", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const id = Object.keys(parked.approvals)[0]!;
    const resumed = run(parked, [decide(parked, id, { decision: "approve" }), ev({ type: "run-started", runId: `park-${id}` })]).state;
    const other = run(resumed, [ev({ type: "parked-decision-refused", toolUseId: "toolu_2", reason: "x" }, `park-${id}`)]);
    expect(other.state.approvals[id]?.status).toBe("approved");
    const live = run(running(), [ev({ type: "approval-request", requestId: "req-9", toolName: "Write", toolUseId: "toolu_1", input })]).state;
    const stray = run(live, [ev({ type: "parked-decision-refused", toolUseId: "toolu_1", reason: "x" }, "run1")]);
    expect(Object.values(stray.state.approvals)[0]?.status).toBe("pending");
  });

  it("an edit and a deny travel in the resumed run's answer; a second decision launches nothing", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const id = Object.keys(parked.approvals)[0]!;
    const edited = { file_path: "/tmp/b", content: "hi" };
    const r = run(parked, [decide(parked, id, { decision: "approve", updatedInput: edited })]);
    expect(launches(r.effects)[0]?.parked?.answer).toEqual({ behavior: "allow", updatedInput: edited });
    const again = step(r.state, decide(parked, id, { decision: "approve", updatedInput: edited }), ctx());
    expect(again.ok && launches(again.effects)).toEqual([]);
    const denied = run(parked, [decide(parked, id, { decision: "deny", comment: "no" })]);
    expect(launches(denied.effects)[0]?.parked?.answer).toEqual({ behavior: "deny", message: "no" });
  });

  it("a parked approval that reaches its deadline resumes the run with the expiry's deny", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const id = Object.keys(parked.approvals)[0]!;
    const { effects } = run(parked, [{ type: "timer", timer: { kind: "approval-expiry", approvalId: id as ApprovalId } }], 100_000);
    expect(launches(effects)[0]?.parked?.answer).toMatchObject({ behavior: "deny" });
  });

  it("a decision that raced the parking is carried by the resumed run", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const decided = run(s, [decide(s, id, { decision: "approve" })]).state;
    const { state, effects } = run(decided, [parkedEvent(), ended()]);
    expect(launches(effects)[0]?.parked).toEqual({ toolUseId: "toolu_1", inputSha256: sha, answer: { behavior: "allow" } });
    expect(state.session?.status).toBe("queued");
  });

  it("a parked call whose input is not the approval's is refused: the approval is cancelled and the run ends", () => {
    const { state, effects } = run(asking(), [parkedEvent("f".repeat(64)), ended()]);
    expect(Object.values(state.approvals)[0]?.status).toBe("cancelled");
    expect(state.session?.status).toBe("interrupted");
    expect(launches(effects)).toEqual([]);
  });

  it("a call still waiting after parkAfterMs asks its agent to park the run; a decided one does not", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]! as ApprovalId;
    const scheduled = run(running(), [ev({ type: "approval-request", requestId: "req-2", toolName: "Write", toolUseId: "toolu_2", input })]).effects;
    expect(scheduled).toContainEqual(expect.objectContaining({ type: "schedule", at: 6_000, timer: expect.objectContaining({ kind: "approval-park" }) }));
    const fired = run(s, [{ type: "timer", timer: { kind: "approval-park", approvalId: id } }], 6_000);
    expect(fired.effects).toContainEqual({ type: "send-agent", frame: { type: "park", requestId: "req-1" } });
    expect(fired.state.session?.status).toBe("waiting_for_approval");
    const decided = run(s, [decide(s, id, { decision: "approve" })]).state;
    const stale = run(decided, [{ type: "timer", timer: { kind: "approval-park", approvalId: id } }], 6_000);
    expect(stale.effects.some((e) => e.type === "send-agent")).toBe(false);
  });

  it("interrupting a parked session cancels its approval and ends it", () => {
    const parked = run(asking(), [parkedEvent(), ended()]).state;
    const { state } = run(parked, [{ type: "interrupt", by: "alice" }]);
    expect(Object.values(state.approvals)[0]?.status).toBe("cancelled");
    expect(state.session?.status).toBe("interrupted");
  });
});
