import { describe, expect, it } from "vitest";
import { EMPTY_ROOM, EXPIRED_MESSAGE, step, toPublicApproval, type Effect, type RoomInput, type RoomState } from "../../party/core/room";
import type { AgentEvent } from "../../worker/protocol/agent";
import type { DecisionBody } from "../../worker/protocol/approval";
import { canonicalSha256 } from "../../party/hash";
import { MAX_SCRUB_DEPTH, nestsDeeperThan } from "../../worker/domain/scrub";
import type { Json } from "../../worker/protocol/json";
import { DecisionProof } from "../../worker/protocol/signed-decision";
import { totals } from "../../party/core/tally";
const totalsOf = (s: RoomState) => totals(s.session!.tally);
import type { AgentId, ApprovalId, SessionId, WorkspaceId } from "../../worker/protocol/ids";
import { roomDriver } from "./room-driver";

const { ctx, run, ev, created, running } = roomDriver();
type Answer = { decision: "approve"; comment?: string; updatedInput?: Record<string, Json> } | { decision: "deny"; comment: string };
/** A decision as the room builds it: naming the hash of the input shown, with the edit's hash. */
const decideOn = (s: RoomState, approvalId: string, answer: Answer, by: string, seen = s.approvals[approvalId]?.inputSha256 ?? "0".repeat(64)): RoomInput => {
  const edit = answer.decision === "approve" ? answer.updatedInput : undefined;
  const editSha256 = edit && !nestsDeeperThan(edit, MAX_SCRUB_DEPTH) ? canonicalSha256(edit) : undefined;
  return { type: "decide", approvalId, body: { ...answer, inputSha256: seen } as DecisionBody, by, ...(editSha256 ? { editSha256 } : {}) };
};
const asking = (): RoomState => run(running(), [ev({ type: "approval-request", requestId: "req-1", toolName: "Write", input: { file_path: "a" } })]).state;

const outcome = { costUsd: 0.5, inputTokens: 10, outputTokens: 20, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 2, durationMs: 5 };
const statusEvents = (effects: Effect[]) => effects.flatMap((e) => (e.type === "emit" && e.body.type === "status-changed" ? [e.body.to] : []));

describe("happy", () => {
  it("queues a new session and orders its launch", () => {
    const r = step(EMPTY_ROOM, { type: "create", session: { ...base() } }, ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.state.session?.status).toBe("queued");
    expect(r.effects.some((e) => e.type === "launch" && e.order.runId === "run1")).toBe(true);
  });

  it("moves starting → running on Claude's init and records Claude's session id", () => {
    const s = running();
    expect(s.session?.status).toBe("running");
    expect(s.session?.claudeSessionId).toBe("claude-1");
  });

  it("waits for approval with a durable record and an expiry timer", () => {
    const { state, effects } = run(running(), [ev({ type: "approval-request", requestId: "req-1", toolName: "Write", input: { file_path: "a" } })]);
    expect(state.session?.status).toBe("waiting_for_approval");
    const rec = Object.values(state.approvals)[0];
    expect(rec).toMatchObject({ status: "pending", toolName: "Write", requestId: "req-1", expiresAt: 61_000 });
    expect(effects.some((e) => e.type === "schedule" && e.timer.kind === "approval-expiry")).toBe(true);
  });

  it("approves: sends the decision to the agent and goes back to running", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const { state, effects } = run(s, [decideOn(s, id, { decision: "approve", updatedInput: { file_path: "b" } }, "ann")]);
    expect(state.session?.status).toBe("running");
    expect(effects).toContainEqual({
      type: "send-agent",
      frame: { type: "decision", requestId: "req-1", answer: { behavior: "allow", updatedInput: { file_path: "b" } } },
    });
    expect(state.approvals[id]).toMatchObject({ status: "approved", decidedBy: "ann", via: "human" });
  });

  it("cancels an approval the agent withdraws with the agent's reason (it is stopping)", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const { state } = run(s, [ev({ type: "approval-withdrawn", requestId: "req-1", reason: "the agent on box was stopped" })]);
    expect(state.approvals[id]).toMatchObject({ status: "cancelled", via: "system", comment: "the agent on box was stopped" });
  });

  it("stays waiting while a second tool call of the same turn is still pending", () => {
    const s = run(asking(), [ev({ type: "approval-request", requestId: "req-2", toolName: "Bash", input: { command: "ls" } })]).state;
    const first = Object.values(s.approvals).find((a) => a.requestId === "req-1")!;
    const after = run(s, [decideOn(s, first.id, { decision: "approve" }, "ann")]).state;
    expect(after.session?.status).toBe("waiting_for_approval");
  });

  it("completes with settled cost and tokens when the run ends", () => {
    const s = run(running(), [
      ev({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "tool_use" }, { type: "text" }] } } }),
      ev({
        type: "sdk-message",
        message: { type: "result", total_cost_usd: 0.5, usage: { input_tokens: 10, output_tokens: 20 }, num_turns: 2, result: "Done." },
      }),
      ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome, result: "Done." } }),
    ]).state;
    expect(s.session).toMatchObject({ status: "completed", result: "Done.", endedAt: 1_000 });
    expect(s.session?.tally).toMatchObject({ messageCount: 1, toolCallCount: 1 });
    expect(totalsOf(s)).toEqual({ costUsd: 0.5, inputTokens: 10, outputTokens: 20, numTurns: 2 });
  });

  it("continues an ended session by resuming Claude's session", () => {
    const ended = run(running(), [ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome } })]).state;
    const { state, effects } = run(ended, [{ type: "continue", prompt: "more", runId: "run2", by: "ann" }]);
    expect(state.session?.status).toBe("queued");
    expect(effects).toContainEqual({
      type: "launch",
      order: { sessionId: ended.session!.id, runId: "run2", spec: { prompt: "more", cwd: "/tmp" }, resume: "claude-1" },
    });
  });

  it("treats a resent approval request as the same approval", () => {
    const s = asking();
    const again = run(s, [ev({ type: "approval-request", requestId: "req-1", toolName: "Write", input: { file_path: "a" } })]).state;
    expect(Object.keys(again.approvals)).toHaveLength(1);
  });
});

describe("approvals: decisions and expiry", () => {
  it("answers the same decision twice idempotently and refuses a conflicting one", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const once = run(s, [decideOn(s, id, { decision: "deny", comment: "no" }, "ann")]).state;
    const twice = step(once, decideOn(once, id, { decision: "deny", comment: "no" }, "bob"), ctx());
    expect(twice.ok && twice.effects).toEqual([]);
    const conflict = step(once, decideOn(once, id, { decision: "approve" }, "bob"), ctx());
    expect(conflict).toMatchObject({ ok: false, code: "CONFLICT" });
  });

  it("refuses a decision naming the hash of another input than the call it holds", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    expect(s.approvals[id]!.inputSha256).toBe(canonicalSha256({ file_path: "a" }));
    const stale = step(s, decideOn(s, id, { decision: "approve" }, "ann", canonicalSha256({ file_path: "other" })), ctx());
    expect(stale).toMatchObject({ ok: false, code: "CONFLICT", message: expect.stringMatching(/changed since you saw it/) });
    const denied = run(s, [decideOn(s, id, { decision: "deny", comment: "no" }, "ann")]).state;
    // Even the same answer again is refused when it names another input.
    expect(step(denied, decideOn(denied, id, { decision: "deny", comment: "no" }, "ann", "f".repeat(64)), ctx())).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
  });

  it("answers the same edit again idempotently and refuses a second, different edit", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const edited = run(s, [decideOn(s, id, { decision: "approve", updatedInput: { file_path: "b" } }, "ann")]).state;
    const same = step(edited, decideOn(edited, id, { decision: "approve", updatedInput: { file_path: "b" } }, "bob"), ctx());
    expect(same.ok && same.effects).toEqual([]);
    const other = step(edited, decideOn(edited, id, { decision: "approve", updatedInput: { file_path: "c" } }, "bob"), ctx());
    expect(other).toMatchObject({ ok: false, code: "CONFLICT", message: expect.stringMatching(/different input/) });
    expect(step(edited, decideOn(edited, id, { decision: "approve" }, "bob"), ctx())).toMatchObject({ ok: false, code: "CONFLICT" });
    const plain = run(s, [decideOn(s, id, { decision: "approve" }, "ann")]).state;
    expect(step(plain, decideOn(plain, id, { decision: "approve", updatedInput: { file_path: "b" } }, "bob"), ctx())).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
  });

  it("refuses a decision after the approval's deadline even before its timer fires", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const late = step(s, decideOn(s, id, { decision: "approve" }, "ann"), ctx(61_000));
    expect(late).toMatchObject({ ok: false, code: "CONFLICT", message: expect.stringMatching(/expired at 1970-01-01T00:01:01.000Z/) });
    expect(step(s, decideOn(s, id, { decision: "approve" }, "ann"), ctx(60_999)).ok).toBe(true);
  });

  it("refuses a decision for an unknown approval", () => {
    expect(step(asking(), decideOn(asking(), "apr_nope", { decision: "approve" }, "x"), ctx())).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });
  });

  it("expires a pending approval when its deadline passes: denies and tells the model to stop", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]! as ApprovalId;
    const { state, effects } = run(s, [{ type: "timer", timer: { kind: "approval-expiry", approvalId: id } }], 61_000);
    expect(state.approvals[id]).toMatchObject({ status: "expired", via: "timeout" });
    expect(state.session?.status).toBe("running");
    expect(effects).toContainEqual({
      type: "send-agent",
      frame: { type: "decision", requestId: "req-1", answer: { behavior: "deny", message: EXPIRED_MESSAGE } },
    });
  });

  it("ignores an expiry timer for an approval already decided", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]! as ApprovalId;
    const decided = run(s, [decideOn(s, id, { decision: "approve" }, "ann")]).state;
    const r = step(decided, { type: "timer", timer: { kind: "approval-expiry", approvalId: id } }, ctx());
    expect(r.ok && r.effects).toEqual([]);
  });

  it("denies at once a request that arrives after the session ended", () => {
    const ended = run(running(), [ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome } })]).state;
    const { effects, state } = run(ended, [ev({ type: "approval-request", requestId: "late", toolName: "Bash", input: {} })]);
    expect(Object.keys(state.approvals)).toHaveLength(0);
    expect(effects.some((e) => e.type === "send-agent" && e.frame.type === "decision" && e.frame.answer.behavior === "deny")).toBe(true);
  });
});

describe("interrupts and agent loss", () => {
  it("interrupts while waiting for approval: cancels the approval and tells the agent", () => {
    const { state, effects } = run(asking(), [{ type: "interrupt", by: "ann" }]);
    expect(state.session?.status).toBe("interrupting");
    expect(Object.values(state.approvals)[0]?.status).toBe("cancelled");
    expect(effects).toContainEqual({ type: "send-agent", frame: { type: "interrupt" } });
    const ended = run(state, [ev({ type: "run-ended", runId: "run1", outcome: { kind: "error", ...outcome } })]).state;
    expect(ended.session?.status).toBe("interrupted");
  });

  it("names who interrupted in the end state and the run's outcome, without Claude Code's diagnostics", () => {
    const diagnostic = "[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=tool_use";
    const asked = run(asking(), [{ type: "interrupt", by: "ann@example.com" }]).state;
    const { state, effects } = run(asked, [ev({ type: "run-ended", runId: "run1", outcome: { kind: "interrupted", error: diagnostic, ...outcome } })]);
    expect(state.session).toMatchObject({ status: "interrupted", statusReason: "interrupted by ann@example.com" });
    const ended = effects.flatMap((e) => (e.type === "emit" && e.body.type === "run-ended" ? [e.body.outcome] : []));
    expect(ended).toEqual([expect.objectContaining({ kind: "interrupted", error: "interrupted by ann@example.com" })]);
    expect(JSON.stringify(effects)).not.toContain("ede_diagnostic");
  });

  it("shows a failure's own message without the diagnostics Claude Code appends", () => {
    const error = "disk full; [ede_diagnostic] result_type=user";
    const { state } = run(running(), [ev({ type: "run-ended", runId: "run1", outcome: { kind: "error", error, ...outcome } })]);
    expect(state.session?.statusReason).toBe("Claude Code failed: disk full");
  });

  it("cancels a queued session's launch instead of bothering the agent", () => {
    const { state, effects } = run(created(), [{ type: "interrupt", by: "ann" }]);
    expect(state.session?.status).toBe("interrupted");
    expect(effects).toContainEqual({ type: "cancel-launch", runId: "run1" });
  });

  it("appends nothing after an end state: a run that started in the launch gap is told to stop", () => {
    const cancelled = run(created(), [{ type: "interrupt", by: "ann" }]).state;
    const late = run(cancelled, [
      ev({ type: "run-started", runId: "run1" }),
      ev({ type: "sdk-message", message: { type: "result", subtype: "success", result: "Done.", session_id: "c1" } }),
      ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome } }),
    ]);
    expect(late.effects.filter((e) => e.type === "emit")).toEqual([]);
    expect(late.effects.filter((e) => e.type === "send-agent")).toEqual([
      { type: "send-agent", frame: { type: "interrupt" } },
      { type: "send-agent", frame: { type: "interrupt" } },
    ]);
    expect(late.state.session).toMatchObject({ status: "interrupted", result: null, claudeSessionId: null });
  });

  it("refuses to interrupt a completed session", () => {
    const ended = run(running(), [ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome } })]).state;
    expect(step(ended, { type: "interrupt", by: "ann" }, ctx())).toMatchObject({ ok: false, code: "SESSION_CLOSED" });
  });

  it("arms the agent-lost timer when the agent disconnects mid-run and fails the session when it fires", () => {
    const { state, effects } = run(asking(), [{ type: "agent-disconnected" }]);
    expect(effects).toContainEqual({ type: "schedule", key: "agent-lost", at: 31_000, timer: { kind: "agent-lost" }, keep: true });
    const lost = run(state, [{ type: "timer", timer: { kind: "agent-lost" } }], 31_000);
    expect(lost.state.session).toMatchObject({ status: "failed" });
    expect(lost.state.session?.statusReason).toMatch(/agent lost/);
    // Nobody saw Claude Code stop: the reason must not claim it did.
    expect(lost.state.session?.statusReason).toMatch(/unknown/);
    expect(lost.state.session?.statusReason).not.toMatch(/stopped\b(?! answering)/);
    expect(Object.values(lost.state.approvals)[0]?.status).toBe("cancelled");
    expect(statusEvents(lost.effects)).toEqual(["failed"]);
  });

  it("disarms the agent-lost timer when the agent comes back in time", () => {
    const away = run(asking(), [{ type: "agent-disconnected" }]).state;
    const back = run(away, [{ type: "agent-connected" }]);
    expect(back.effects).toContainEqual({ type: "unschedule", key: "agent-lost" });
    const r = run(back.state, [{ type: "timer", timer: { kind: "agent-lost" } }]);
    expect(r.state.session?.status).toBe("waiting_for_approval");
  });

  it("keeps the first ending when a late run report follows agent loss", () => {
    const lost = run(running(), [{ type: "agent-disconnected" }, { type: "timer", timer: { kind: "agent-lost" } }]).state;
    const late = run(lost, [ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome } })]).state;
    expect(late.session?.status).toBe("failed");
  });

  it("re-sends decisions the agent still waits for after a reconnect", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const decided = run(s, [decideOn(s, id, { decision: "approve" }, "ann")]).state;
    const { effects } = run(decided, [{ type: "resync", waiting: ["req-1"] }]);
    expect(effects).toEqual([{ type: "send-agent", frame: { type: "decision", requestId: "req-1", answer: { behavior: "allow" } } }]);
  });
});

function base() {
  return {
    id: "ses_bbbbbbbbbbbbbbbbbbbb" as SessionId,
    workspaceId: "wsp_aaaaaaaaaaaaaaaaaaaa" as WorkspaceId,
    agentId: "agt_aaaaaaaaaaaaaaaaaaaa" as AgentId,
    agentName: "laptop",
    ownerId: "usr_owner",
    parentSessionId: null,
    title: "t",
    spec: { prompt: "p", cwd: "/tmp" },
    runId: "run1",
    by: "tester",
  };
}

describe("cost across continues and forks", () => {
  it("keeps Claude's cumulative cost instead of adding it up again after a resume", () => {
    const first = run(running(), [ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome, costUsd: 0.5 } })]).state;
    const again = run(first, [
      { type: "continue", prompt: "more", runId: "run2", by: "ann" },
      ev({ type: "run-started", runId: "run2" }),
      ev({ type: "run-ended", runId: "run2", outcome: { kind: "success", ...outcome, costUsd: 0.75 } }),
    ]).state;
    expect(totalsOf(again).costUsd).toBeCloseTo(0.75);
    expect(totalsOf(again).numTurns).toBe(4);
  });

  it("does not charge a fork for what its parent spent", () => {
    const fork = run(EMPTY_ROOM, [{ type: "create", session: { ...base(), resume: "claude-1", costBaselineUsd: 0.5 } }]).state;
    const ended = run(fork, [
      { type: "agent-connected" },
      ev({ type: "run-started", runId: "run1" }),
      ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome, costUsd: 0.6 } }),
    ]).state;
    expect(totalsOf(ended).costUsd).toBeCloseTo(0.1);
  });
});

describe("secrets", () => {
  it("stores SDK messages and tool inputs scrubbed of secrets", () => {
    const { state, effects } = run(running(), [
      ev({
        type: "sdk-message",
        message: { type: "user", message: { content: [{ type: "tool_result", content: "ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123" }] } },
      }),
      ev({ type: "approval-request", requestId: "r9", toolName: "Bash", input: { command: "curl https://deploy:hunter2hunter2@example.com" } }),
    ]);
    expect(JSON.stringify(effects)).not.toContain("AbCdEfGhIjKlMnOp");
    expect(Object.values(state.approvals)[0]?.input).toEqual({ command: "curl https://deploy:[REDACTED:url-password]@example.com" });
  });

  const PAT = "ghp_1234567890abcdefghijABCDEFGHIJ123456";
  const outcome = { costUsd: 0.1, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 1, durationMs: 5 };

  it("stores a run's result and error scrubbed: session facts, status reason and the run-ended event", () => {
    const { state, effects } = run(running(), [
      ev({ type: "sdk-message", message: { type: "result", subtype: "success", result: `pushed with ${PAT}` } }),
      ev({
        type: "run-ended",
        runId: "run1",
        outcome: { kind: "error", result: `pushed with ${PAT}`, error: `git failed: DB_PASSWORD=hunter2-sekrit`, ...outcome },
      }),
    ]);
    expect(state.session!.status).toBe("failed");
    expect(JSON.stringify(state)).not.toContain(PAT);
    expect(JSON.stringify(state)).not.toContain("hunter2-sekrit");
    expect(JSON.stringify(effects)).not.toContain(PAT);
    expect(JSON.stringify(effects)).not.toContain("hunter2-sekrit");
    expect(state.session!.result).toBe("pushed with [REDACTED:github-token]");
    expect(state.session!.statusReason).toContain("DB_PASSWORD=[REDACTED:secret]");
  });

  it("stores and shows an edited input scrubbed, and hands the agent the edit as written until the run ends", () => {
    const s = run(running(), [ev({ type: "approval-request", requestId: "r9", toolName: "Bash", input: { command: "git push" } })]).state;
    const id = Object.keys(s.approvals)[0]!;
    const edit = { command: `GH_TOKEN=${PAT} git push` };
    const r = step(s, decideOn(s, id, { decision: "approve", updatedInput: edit }, "ann"), ctx());
    if (!r.ok) throw new Error(r.message);
    const toAgent = r.effects.filter((e) => e.type === "send-agent");
    expect(toAgent).toEqual([{ type: "send-agent", frame: { type: "decision", requestId: "r9", answer: { behavior: "allow", updatedInput: edit } } }]);
    const shown: unknown[] = r.effects.flatMap((e): unknown[] =>
      e.type === "emit" ? [e.body] : e.type === "save-approval" ? [toPublicApproval(e.approval)] : [],
    );
    expect(shown.length).toBeGreaterThan(1);
    expect(JSON.stringify(shown)).not.toContain(PAT);
    expect(r.approval!.updatedInput).toEqual({ command: "GH_TOKEN=[REDACTED:github-token] git push" });
    expect(toPublicApproval(r.state.approvals[id]!)).not.toHaveProperty("agentInput");
    // A reconnecting agent that missed the decision gets the edit as written.
    const again = run(r.state, [{ type: "resync", waiting: ["r9"] }]);
    expect(again.effects).toContainEqual({
      type: "send-agent",
      frame: { type: "decision", requestId: "r9", answer: { behavior: "allow", updatedInput: edit } },
    });
    // Once the run is over nobody can wait on it: the room forgets the clear copy.
    const ended = run(again.state, [ev({ type: "run-ended", runId: "run1", outcome: { kind: "success", ...outcome } })]);
    expect(JSON.stringify(ended.state)).not.toContain(PAT);
    expect(JSON.stringify(ended.effects)).not.toContain(PAT);
  });

  it("keeps a signed decision's proof byte-exact: a signature that reads like a token still reaches the machine, stored and on resync", () => {
    const s = run(running(), [ev({ type: "approval-request", requestId: "r9", toolName: "Bash", input: { command: "git push" } })]).state;
    const id = Object.keys(s.approvals)[0]!;
    const keyId = `key_${"a".repeat(32)}` as DecisionProof["decision"]["statement"]["keyId"];
    // Base64url signatures are random: one in tens of millions starts like a GitHub token.
    const sig = `ghp_${"Ab1".repeat(27)}x`;
    const proof: DecisionProof = {
      decision: {
        statement: {
          type: "tower.decision/v1",
          workspaceId: "wsp_aaaaaaaaaaaaaaaaaaaa",
          sessionId: "ses_aaaaaaaaaaaaaaaaaaaa",
          approvalId: id,
          toolUseId: null,
          inputSha256: s.approvals[id]!.inputSha256,
          decision: "approve",
          updatedInputSha256: null,
          approver: "usr_ann",
          keyId,
          expiresAt: 2_000_000,
        },
        signature: { alg: "ed25519", keyId, sig },
      },
      enrolment: null,
      revocations: [],
    };
    expect(DecisionProof.parse(proof)).toEqual(proof);
    const r = run(s, [{ ...decideOn(s, id, { decision: "approve" }, "ann"), proof } as RoomInput]);
    expect(r.state.approvals[id]!.proof).toEqual(proof);
    expect(r.effects).toContainEqual({ type: "save-approval", approval: expect.objectContaining({ proof }) });
    const again = run(r.state, [{ type: "resync", waiting: ["r9"] }]);
    expect(again.effects).toContainEqual({ type: "send-agent", frame: { type: "decision", requestId: "r9", answer: { behavior: "allow" }, proof } });
  });

  it("refuses an edited input nested deeper than the scrubber's limit", () => {
    const s = run(running(), [ev({ type: "approval-request", requestId: "r9", toolName: "Bash", input: { command: "ls" } })]).state;
    const id = Object.keys(s.approvals)[0]!;
    let deep: Json = "ls";
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const r = step(s, decideOn(s, id, { decision: "approve", updatedInput: { command: deep } }, "ann"), ctx());
    expect(r).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  });

  it("refuses an edited input built on a scrubbed copy", () => {
    const s = run(running(), [
      ev({ type: "approval-request", requestId: "r9", toolName: "Bash", input: { command: "echo sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123" } }),
    ]).state;
    const id = Object.keys(s.approvals)[0]!;
    const r = step(s, decideOn(s, id, { decision: "approve", updatedInput: { command: "echo [REDACTED:anthropic-key] && ls" } }, "ann"), ctx());
    expect(r).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  });
});

describe("rule verdicts", () => {
  const allow = { decision: "allow" as const, rule: { index: 0, id: "writes", version: 4 }, message: null, reason: 'rule "writes" allows it' };
  const deny = { decision: "deny" as const, rule: { index: 1, id: "no", version: 4 }, message: "Not here.", reason: "x" };

  it("an allow resolves the pending call via rule, names the rule and version, and answers the agent", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const { state, effects } = run(s, [{ type: "rule-verdict", approvalId: id, verdict: allow }]);
    expect(state.approvals[id]).toMatchObject({ status: "approved", via: "rule", decidedBy: "rule writes (v4)" });
    expect(state.session?.status).toBe("running");
    // The verdict goes with the frame, for the room to seal it (party/rule-seal.ts).
    expect(effects).toContainEqual({
      type: "send-agent",
      frame: { type: "decision", requestId: "req-1", answer: { behavior: "allow" } },
      ruled: { verdict: allow, inputSha256: state.approvals[id]!.inputSha256 },
    });
    const resolved = effects.find((e) => e.type === "emit" && e.body.type === "approval-resolved");
    expect(resolved).toMatchObject({ body: { via: "rule", rule: { id: "writes", version: 4 } } });
  });

  it("a deny answers with the rule's message", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const { effects } = run(s, [{ type: "rule-verdict", approvalId: id, verdict: deny }]);
    expect(effects).toContainEqual(
      expect.objectContaining({
        type: "send-agent",
        frame: { type: "decision", requestId: "req-1", answer: { behavior: "deny", message: "Not here." } },
        ruled: expect.objectContaining({ verdict: deny }),
      }),
    );
  });

  it("a verdict that comes with the request decides it in the same step: requested and resolved together", () => {
    const event: AgentEvent = { type: "approval-request", requestId: "req-5", toolName: "Write", input: { file_path: "/work/a" } };
    const request = { type: "agent-event" as const, envelope: { id: "ev-req-5", at: 0, event }, inputSha256: canonicalSha256(event.input) };
    const { state, effects } = run(running(), [{ ...request, verdict: allow }]);
    const rec = Object.values(state.approvals)[0]!;
    expect(rec).toMatchObject({ status: "approved", via: "rule" });
    expect(effects.flatMap((e) => (e.type === "emit" ? [e.body.type] : []))).toEqual(expect.arrayContaining(["approval-requested", "approval-resolved"]));
    expect(effects).toContainEqual({
      type: "send-agent",
      frame: { type: "decision", requestId: "req-5", answer: { behavior: "allow" } },
      ruled: { verdict: allow, inputSha256: request.inputSha256 },
    });
    const asked = run(running(), [{ ...request, verdict: { ...allow, decision: "ask" as const } }]).state;
    expect(Object.values(asked.approvals)[0]?.status).toBe("pending");
  });

  it("records a verdict the agent already applied as it is, even where the room would now hold it for a person", () => {
    const event: AgentEvent = { type: "approval-request", requestId: "req-6", toolName: "Write", input: { file_path: "/work/a" } };
    const request = { type: "agent-event" as const, envelope: { id: "ev-req-6", at: 0, event }, inputSha256: canonicalSha256(event.input) };
    const signed = (s: ReturnType<typeof running>) => ({ ...s, session: { ...s.session!, requireSignedDecisions: true } });
    // Judged now, a rule's allow on a machine that requires signed decisions waits for a person...
    expect(Object.values(run(signed(running()), [{ ...request, verdict: allow }]).state.approvals)[0]?.status).toBe("pending");
    // ...but an allow the agent applied before the machine's policy changed is what happened: it is recorded.
    const { state } = run(signed(running()), [{ ...request, verdict: allow, applied: true }]);
    expect(Object.values(state.approvals)[0]).toMatchObject({ status: "approved", via: "rule", decidedBy: "rule writes (v4)" });
  });

  it("a person who decided first stands; an ask, or an allow of a call that needs a person, changes nothing", () => {
    const s = asking();
    const id = Object.keys(s.approvals)[0]!;
    const decided = run(s, [decideOn(s, id, { decision: "deny", comment: "no" }, "ann")]).state;
    expect(run(decided, [{ type: "rule-verdict", approvalId: id, verdict: allow }]).effects).toEqual([]);
    expect(run(s, [{ type: "rule-verdict", approvalId: id, verdict: { ...allow, decision: "ask" } }]).effects).toEqual([]);
    const needsPerson = run(running(), [
      ev({ type: "approval-request", requestId: "req-9", toolName: "Write", input: { file_path: "a" }, requiresUserInteraction: true }),
    ]).state;
    const id9 = Object.keys(needsPerson.approvals)[0]!;
    expect(run(needsPerson, [{ type: "rule-verdict", approvalId: id9, verdict: allow }]).state.approvals[id9]?.status).toBe("pending");
    expect(run(needsPerson, [{ type: "rule-verdict", approvalId: id9, verdict: deny }]).state.approvals[id9]?.status).toBe("denied");
  });
});

describe("calls Claude Code requires a person to answer", () => {
  const allow = { decision: "allow" as const, rule: { index: 0, id: "writes", version: 4 }, message: null, reason: 'rule "writes" allows it' };
  const needsPerson = () =>
    run(running(), [ev({ type: "approval-request", requestId: "req-p", toolName: "Write", input: { file_path: "a" }, requiresUserInteraction: true })]).state;

  it("a rule's allow is held back: the call keeps waiting, and an event names the rule and why", () => {
    const s = needsPerson();
    const id = Object.keys(s.approvals)[0]!;
    const held = {
      ...allow,
      decision: "ask" as const,
      held: true as const,
      reason: 'rule "writes" would allow it, but Claude Code requires a person to answer this request',
    };
    for (const verdict of [held, allow]) {
      const { state, effects } = run(s, [{ type: "rule-verdict", approvalId: id, verdict }]);
      expect(state.approvals[id]?.status).toBe("pending");
      expect(effects.filter((e) => e.type === "send-agent")).toEqual([]);
      const event = effects.find((e) => e.type === "emit" && e.body.type === "approval-held");
      expect(event).toMatchObject({ body: { approvalId: id, rule: { id: "writes", version: 4 }, reason: expect.stringContaining("requires a person") } });
    }
    // Held in the request's own step too.
    const inStep = run(running(), [
      {
        ...(ev({ type: "approval-request", requestId: "req-q", toolName: "Write", input: { file_path: "a" }, requiresUserInteraction: true }) as Extract<
          RoomInput,
          { type: "agent-event" }
        >),
        verdict: held,
      },
    ]);
    expect(Object.values(inStep.state.approvals)[0]?.status).toBe("pending");
    expect(inStep.effects.some((e) => e.type === "emit" && e.body.type === "approval-held")).toBe(true);
  });

  it("a person's approve needs an explicit confirmation (HTTP and socket alike go through this step); a deny does not", () => {
    const s = needsPerson();
    const id = Object.keys(s.approvals)[0]!;
    const oneTap = step(s, decideOn(s, id, { decision: "approve" }, "ann"), ctx());
    expect(oneTap).toMatchObject({ ok: false, code: "BAD_REQUEST", message: expect.stringContaining(`tower approve ${id} --confirm`) });
    const confirmed: RoomInput = {
      type: "decide",
      approvalId: id,
      body: { decision: "approve", confirmed: true, inputSha256: s.approvals[id]!.inputSha256 },
      by: "ann",
    };
    expect(run(s, [confirmed]).state.approvals[id]?.status).toBe("approved");
    expect(run(s, [decideOn(s, id, { decision: "deny", comment: "no" }, "ann")]).state.approvals[id]?.status).toBe("denied");
    // A call without the flag is approved in one step, as before.
    const plain = asking();
    const pid = Object.keys(plain.approvals)[0]!;
    expect(run(plain, [decideOn(plain, pid, { decision: "approve" }, "ann")]).state.approvals[pid]?.status).toBe("approved");
  });
});

describe("the public approval", () => {
  it('carries the SDK\'s flags, so a card never offers "always allow" where the SDK forbids it', () => {
    const s = run(running(), [
      ev({
        type: "approval-request",
        requestId: "req-7",
        toolName: "Write",
        input: { file_path: "a" },
        requiresUserInteraction: true,
        suppressAlwaysAllowRule: true,
      }),
    ]).state;
    const pub = toPublicApproval(Object.values(s.approvals)[0]!);
    expect(pub).toMatchObject({ requiresUserInteraction: true, suppressAlwaysAllowRule: true });
    expect(pub).not.toHaveProperty("requestId");
  });
});
