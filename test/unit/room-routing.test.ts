import { describe, expect, it } from "vitest";
import { roomDriver } from "./room-driver";
import { step, toPublicApproval, type RoomState, type StepResult } from "../../party/core/room";
import type { ApprovalRouting, DecisionBody } from "../../worker/protocol/approval";
import type { RuleVerdict } from "../../worker/protocol/rules";

const { ctx, run, ev, running } = roomDriver();
const waiting = (): { state: RoomState; id: string } => {
  const state = running([ev({ type: "approval-request", requestId: "req-1", toolName: "Bash", input: { command: "deploy" } })]);
  return { state, id: Object.keys(state.approvals)[0]! };
};
const ask: RuleVerdict = {
  decision: "ask",
  rule: { index: 0, id: "deploys", version: 3 },
  message: null,
  reason: "rule asks",
  route: { decideBy: "group:sre", quorum: 1 },
};
const routing = (over: Partial<ApprovalRouting> = {}): ApprovalRouting => ({
  decideBy: "group:sre",
  rule: "rule deploys (v3)",
  label: "group sre (ann, bob, owner)",
  eligible: ["usr_ann", "usr_bob", "usr_owner"],
  quorum: 1,
  approvals: [],
  ...over,
});
const routed = (over: Partial<ApprovalRouting> = {}) => {
  const w = waiting();
  return { id: w.id, state: run(w.state, [{ type: "rule-verdict", approvalId: w.id, verdict: ask, routing: routing(over) }]).state };
};
const decide = (
  s: RoomState,
  id: string,
  answer: { decision: "approve" } | { decision: "deny"; comment: string },
  by: string,
  userId: string | null,
): StepResult => step(s, { type: "decide", approvalId: id, body: { ...answer, inputSha256: s.approvals[id]!.inputSha256 } as DecisionBody, by, userId }, ctx());
const emitted = (r: StepResult, type: string) => (r.ok ? r.effects.flatMap((e) => (e.type === "emit" && e.body.type === type ? [e.body] : [])) : []);
const toAgent = (r: StepResult) => (r.ok ? r.effects.filter((e) => e.type === "send-agent") : []);

describe("routing", () => {
  it("an ask that names who decides keeps its eligible people on the approval, in its public shape and an event", () => {
    const w = waiting();
    const r = step(w.state, { type: "rule-verdict", approvalId: w.id, verdict: ask, routing: routing() }, ctx());
    expect(r.ok && r.state.approvals[w.id]?.status).toBe("pending");
    expect(emitted(r, "approval-routed")).toHaveLength(1);
    expect(r.ok && toPublicApproval(r.state.approvals[w.id]!).routing?.eligible).toEqual(["usr_ann", "usr_bob", "usr_owner"]);
    expect(toAgent(r)).toEqual([]);
  });

  it("refuses a decision by someone not eligible, saying who may decide; an eligible member decides", () => {
    const { state, id } = routed();
    const refused = decide(state, id, { decision: "approve" }, "carol@x", "usr_carol");
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(!refused.ok && refused.message).toContain("only group sre (ann, bob, owner) may decide this call (routed by rule deploys (v3))");
    expect(decide(state, id, { decision: "deny", comment: "no" }, "carol@x", "usr_carol").ok).toBe(false);
    const ok = decide(state, id, { decision: "approve" }, "ann@x", "usr_ann");
    expect(ok.ok && ok.state.approvals[id]?.status).toBe("approved");
    expect(toAgent(ok)).toHaveLength(1);
  });

  it("without routing, the default deciders stand (no user id needed)", () => {
    const w = waiting();
    expect(decide(w.state, w.id, { decision: "approve" }, "carol@x", null).ok).toBe(true);
  });
});

describe("quorum", () => {
  it("one approval is partial (event, call keeps waiting); a second distinct approver resolves it", () => {
    const { state, id } = routed({ quorum: 2 });
    const first = decide(state, id, { decision: "approve" }, "ann@x", "usr_ann");
    if (!first.ok) throw new Error(first.message);
    expect(first.state.approvals[id]?.status).toBe("pending");
    expect(first.state.approvals[id]?.routing?.approvals.map((a) => a.userId)).toEqual(["usr_ann"]);
    expect(emitted(first, "approval-partial")).toEqual([{ type: "approval-partial", approvalId: id, by: "ann@x", approvals: 1, quorum: 2 }]);
    expect(toAgent(first)).toEqual([]);
    expect(decide(first.state, id, { decision: "approve" }, "ann@x", "usr_ann")).toMatchObject({ ok: false, code: "CONFLICT" });
    const second = decide(first.state, id, { decision: "approve" }, "bob@x", "usr_bob");
    if (!second.ok) throw new Error(second.message);
    expect(second.state.approvals[id]?.status).toBe("approved");
    expect(second.state.approvals[id]?.routing?.approvals.map((a) => a.userId)).toEqual(["usr_ann", "usr_bob"]);
    expect(toAgent(second)).toHaveLength(1);
  });

  it("the session's launcher does not count toward the quorum on their own session", () => {
    const { state, id } = routed({ quorum: 2 });
    const mine = decide(state, id, { decision: "approve" }, "owner@x", "usr_owner");
    expect(mine).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(!mine.ok && mine.message).toContain("does not count toward");
  });

  it("a deny by any eligible approver denies, even after a partial approval", () => {
    const { state, id } = routed({ quorum: 2 });
    const first = decide(state, id, { decision: "approve" }, "ann@x", "usr_ann");
    if (!first.ok) throw new Error(first.message);
    const denied = decide(first.state, id, { decision: "deny", comment: "not today" }, "owner@x", "usr_owner");
    expect(denied.ok && denied.state.approvals[id]?.status).toBe("denied");
  });
});

describe("rule schema and engine", () => {
  it("an ask rule may name who decides and a quorum; allow and deny may not; the verdict carries the route", async () => {
    const { RuleSet } = await import("../../worker/protocol/rules");
    const { compileRules, evaluate } = await import("../../worker/domain/rules/evaluate");
    const set = RuleSet.parse({ rules: [{ id: "deploys", decision: "ask", tool: "Bash", command: "deploy *", decide_by: "group:sre", quorum: 2 }] });
    const v = evaluate(compileRules(set, 4), { toolName: "Bash", input: { command: "deploy prod" }, cwd: "/repo" });
    expect(v).toMatchObject({ decision: "ask", rule: { id: "deploys", version: 4 }, route: { decideBy: "group:sre", quorum: 2 } });
    expect(RuleSet.safeParse({ rules: [{ decision: "allow", decide_by: "collaborators" }] }).success).toBe(false);
    expect(RuleSet.safeParse({ rules: [{ decision: "ask", decide_by: "somebody" }] }).success).toBe(false);
    expect(
      evaluate(compileRules(RuleSet.parse({ rules: [{ decision: "ask" }] }), 1), { toolName: "Bash", input: { command: "x" }, cwd: "/" }).route,
    ).toBeUndefined();
  });
});

describe("escalation and deadline clocks", () => {
  const clocks = (over: Partial<ApprovalRouting> = {}) =>
    routed({
      eligible: ["usr_ann", "usr_owner"],
      label: "group sre (ann, owner)",
      escalation: { to: "group:leads", label: "group leads (lee)", eligible: ["usr_lee"], afterMs: 2_000, escalatedAt: null },
      deadline: { afterMs: 5_000, message: "nobody decided within 5s; stop" },
      ...over,
    });
  const timer = (s: RoomState, kind: "approval-escalate" | "approval-deadline", id: string, now = 9_000) =>
    step(s, { type: "timer", timer: { kind, approvalId: id } }, ctx(now));
  const schedules = (r: StepResult) => (r.ok ? r.effects.flatMap((e) => (e.type === "schedule" || e.type === "unschedule" ? [e] : [])) : []);

  it("routing arms the escalation and the deadline from when the call started waiting", () => {
    const w = waiting();
    const created = w.state.approvals[w.id]!.createdAt;
    const r = step(
      w.state,
      {
        type: "rule-verdict",
        approvalId: w.id,
        verdict: ask,
        routing: routing({
          escalation: { to: "group:leads", label: "group leads (lee)", eligible: ["usr_lee"], afterMs: 2_000, escalatedAt: null },
          deadline: { afterMs: 5_000, message: "m" },
        }),
      },
      ctx(1_500),
    );
    expect(schedules(r)).toEqual([
      { type: "schedule", key: `escalate:${w.id}`, at: created + 2_000, timer: { kind: "approval-escalate", approvalId: w.id } },
      { type: "schedule", key: `deadline:${w.id}`, at: created + 5_000, timer: { kind: "approval-deadline", approvalId: w.id } },
    ]);
  });

  it("before the escalation its group may not decide, and the refusal says when they may; after it they may, and the first approvers keep the right", () => {
    const { state, id } = clocks();
    const early = decide(state, id, { decision: "approve" }, "lee@x", "usr_lee");
    expect(early).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(!early.ok && early.message).toContain("only group sre (ann, owner) (and group leads (lee) once it has waited 2s) may decide");
    const up = timer(state, "approval-escalate", id);
    if (!up.ok) throw new Error(up.message);
    expect(up.state.approvals[id]?.status).toBe("pending");
    expect(up.state.approvals[id]?.routing?.escalation?.escalatedAt).toBe(9_000);
    expect(emitted(up, "approval-escalated")).toEqual([
      { type: "approval-escalated", approvalId: id, to: "group:leads", label: "group leads (lee)", afterMs: 2_000, rule: "rule deploys (v3)" },
    ]);
    expect(up.effects.some((e) => e.type === "save-approval")).toBe(true);
    expect(toAgent(up)).toEqual([]);
    const outsider = decide(up.state, id, { decision: "approve" }, "carol@x", "usr_carol");
    expect(!outsider.ok && outsider.message).toContain("only group sre (ann, owner) or, as it escalated, group leads (lee) may decide");
    expect(decide(up.state, id, { decision: "approve" }, "lee@x", "usr_lee").ok).toBe(true);
    expect(decide(up.state, id, { decision: "approve" }, "ann@x", "usr_ann").ok).toBe(true);
    // Once escalated, the timer is spent: a repeat changes nothing.
    const again = timer(up.state, "approval-escalate", id);
    expect(again.ok && again.effects).toEqual([]);
  });

  it("the deadline denies a waiting call with the rule's message, which the agent passes to Claude; the session leaves waiting", () => {
    const { state, id } = clocks();
    const r = timer(state, "approval-deadline", id);
    if (!r.ok) throw new Error(r.message);
    expect(r.state.approvals[id]).toMatchObject({
      status: "denied",
      via: "deadline",
      decidedBy: "rule deploys (v3)",
      comment: "nobody decided within 5s; stop",
    });
    expect(toAgent(r)).toEqual([
      { type: "send-agent", frame: { type: "decision", requestId: "req-1", answer: { behavior: "deny", message: "nobody decided within 5s; stop" } } },
    ]);
    expect(emitted(r, "approval-resolved")).toMatchObject([{ via: "deadline", status: "denied" }]);
    expect(r.state.session?.status).toBe("running");
    expect(schedules(r)).toContainEqual({ type: "unschedule", key: `escalate:${id}` });
  });

  it("a call decided first disarms its clocks, and a late clock changes nothing", () => {
    const { state, id } = clocks();
    const ok = decide(state, id, { decision: "approve" }, "ann@x", "usr_ann");
    if (!ok.ok) throw new Error(ok.message);
    expect(schedules(ok)).toEqual(
      expect.arrayContaining([
        { type: "unschedule", key: `escalate:${id}` },
        { type: "unschedule", key: `deadline:${id}` },
      ]),
    );
    for (const kind of ["approval-escalate", "approval-deadline"] as const) {
      const late = timer(ok.state, kind, id);
      expect(late.ok && late.effects).toEqual([]);
    }
  });
});

describe("named deciders and the deadline message", () => {
  type Over = { eligible: string[] | null; escalation?: { eligible: string[]; escalatedAt: number | null } };
  it.each<[string, Over | null, string[]]>([
    ["no routing", null, []],
    ["eligible only", { eligible: ["a"] }, ["a"]],
    ["escalation not yet due", { eligible: ["a"], escalation: { eligible: ["b"], escalatedAt: null } }, ["a"]],
    ["escalated", { eligible: ["a"], escalation: { eligible: ["b"], escalatedAt: 5 } }, ["a", "b"]],
    ["session deciders, escalated", { eligible: null, escalation: { eligible: ["b"], escalatedAt: 5 } }, ["b"]],
  ])("%s", async (_name, over, want) => {
    const { namedDeciders } = await import("../../worker/protocol/approval");
    const { escalation, ...rest } = over ?? { eligible: null };
    const r: ApprovalRouting | null = over && {
      ...routing(),
      ...rest,
      ...(escalation ? { escalation: { to: "group:x", label: "x", afterMs: 1, ...escalation } } : {}),
    };
    expect(namedDeciders(r)).toEqual(want);
  });

  it("the default deadline message names the deadline and the rule", async () => {
    const { deadlineMessage } = await import("../../worker/protocol/approval");
    expect(deadlineMessage(30 * 60_000, "rule deploys (v3)")).toMatch(
      /^No one decided this tool call within its 30m deadline \(set by rule deploys \(v3\)\), so it was denied\./,
    );
  });
});

describe("rule durations, escalate and deadline in the schema", () => {
  it.each([
    ["2s", 2_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
  ])("%s is %d ms", async (text, ms) => {
    const { durationMs, RuleDuration } = await import("../../worker/protocol/rules");
    expect(RuleDuration.safeParse(text).success).toBe(true);
    expect(durationMs(text)).toBe(ms);
  });

  it.each(["0s", "10", "10x", "m", "31d", ""])("refuses %j", async (text) => {
    const { RuleDuration } = await import("../../worker/protocol/rules");
    expect(RuleDuration.safeParse(text).success).toBe(false);
  });

  it("an ask may escalate to a group and carry a deadline; the verdict's route carries both in ms; nonsense is refused", async () => {
    const { RuleSet } = await import("../../worker/protocol/rules");
    const { compileRules, evaluate } = await import("../../worker/domain/rules/evaluate");
    const set = RuleSet.parse({
      rules: [{ id: "deploys", decision: "ask", tool: "Bash", escalate: { after: "10m", to: "leads" }, deadline: "30m", deadline_message: "too late" }],
    });
    const v = evaluate(compileRules(set, 2), { toolName: "Bash", input: { command: "deploy" }, cwd: "/" });
    expect(v.route).toEqual({
      decideBy: "owner",
      quorum: 1,
      escalate: { afterMs: 600_000, to: "group:leads" },
      deadlineMs: 1_800_000,
      deadlineMessage: "too late",
    });
    const bad = (rule: Record<string, unknown>) => RuleSet.safeParse({ rules: [rule] }).success;
    expect(bad({ decision: "allow", deadline: "1m" })).toBe(false);
    expect(bad({ decision: "ask", deadline_message: "x" })).toBe(false);
    expect(bad({ decision: "ask", escalate: { after: "5m", to: "x" }, deadline: "5m" })).toBe(false);
    expect(bad({ decision: "ask", escalate: { after: "5m", to: "Not A Group" } })).toBe(false);
    expect(bad({ decision: "ask", escalate: { after: "2s", to: "group:x" }, deadline: "4s" })).toBe(true);
  });
});

describe("approvalWhy: the inbox's reason line", () => {
  const at = 1_000_000;
  const esc = (escalatedAt: number | null) => ({ to: "group:leads", label: "group leads (lee)", eligible: ["usr_lee"], afterMs: 600_000, escalatedAt });
  it.each<[string, Partial<ApprovalRouting> | null, string | null, number, string | null]>([
    ["no routing", null, "usr_ann", at, null],
    ["routed to me", {}, "usr_ann", at, "routed to you: group sre, rule deploys (v3)"],
    ["routed to others", {}, "usr_carol", at, "routed to group sre by rule deploys (v3)"],
    [
      "a quorum",
      { quorum: 2, approvals: [{ userId: "usr_bob", by: "bob", at }] },
      "usr_ann",
      at,
      "routed to you: group sre, rule deploys (v3) · quorum 1 of 2",
    ],
    [
      "an escalation to come",
      { escalation: esc(null) },
      "usr_ann",
      at + 120_000,
      "routed to you: group sre, rule deploys (v3) · escalates to group leads in 8m",
    ],
    ["escalated to me", { escalation: esc(at + 600_000) }, "usr_lee", at + 700_000, "escalated to you: group leads after 10m, rule deploys (v3)"],
    [
      "escalated, seen by the first approver",
      { escalation: esc(at + 600_000) },
      "usr_ann",
      at + 700_000,
      "routed to you: group sre, rule deploys (v3) · escalated to group leads",
    ],
    [
      "a deadline",
      { deadline: { afterMs: 1_800_000, message: "m" } },
      "usr_ann",
      at + 600_000,
      "routed to you: group sre, rule deploys (v3) · denied in 20m unless decided",
    ],
  ])("%s", async (_name, over, userId, now, want) => {
    const { approvalWhy } = await import("../../worker/protocol/approval");
    expect(approvalWhy({ routing: over && routing(over), createdAt: at, status: "pending" }, userId, now)).toBe(want);
  });
});
