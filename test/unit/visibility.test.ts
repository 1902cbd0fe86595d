import { describe, expect, it } from "vitest";
import type { Actor, WorkspaceRole } from "../../worker/domain/policy";
import { frameFor, isExpired, listViewerOf, mayActOnSession, maySeeSession, runFor, type SessionAccess } from "../../worker/domain/visibility";
import type { HubFrame } from "../../worker/protocol/frames";
import type { RunView } from "../../worker/protocol/pipelines";

const actor = (userId: string, role: WorkspaceRole | null, scopes: string[] = ["*"]): Actor => ({
  workspaceId: "wsp_1",
  kind: "user",
  userId,
  agentId: null,
  role,
  scopes,
  subject: userId,
  tokenId: "tok_1",
  expiresAt: null,
});

const privateSession: SessionAccess = {
  ownerId: "usr_author",
  grants: [
    { principal: "user:usr_collab", role: "collaborator" },
    { principal: "user:usr_reader", role: "viewer" },
  ],
};

describe("maySeeSession and mayActOnSession", () => {
  it.each([
    ["the owner", actor("usr_author", "member"), true, true],
    ["an admin", actor("usr_admin", "admin"), true, true],
    ["a collaborator", actor("usr_collab", "member"), true, true],
    ["a collaborator made workspace viewer", actor("usr_collab", "viewer"), true, false],
    ["a session viewer", actor("usr_reader", "member"), true, false],
    ["a member it is not shared with", actor("usr_other", "member"), false, false],
    ["a workspace viewer it is not shared with", actor("usr_other", "viewer"), false, false],
    ["someone no longer a member", actor("usr_collab", null), false, false],
    ["a collaborator with a read-only token", actor("usr_collab", "member", ["read"]), true, false],
  ])("%s: sees %s, acts %s", (_who, a, sees, acts) => {
    expect(maySeeSession(a, privateSession)).toBe(sees);
    expect(mayActOnSession(a, privateSession).ok).toBe(acts);
  });

  it("shows a session it knows nothing of only to admins", () => {
    expect(maySeeSession(actor("usr_admin", "owner"), null)).toBe(true);
    expect(maySeeSession(actor("usr_author", "member"), null)).toBe(false);
  });

  it("limits lists to the caller unless they see every session", () => {
    expect(listViewerOf(actor("usr_admin", "admin"))).toBeNull();
    expect(listViewerOf(actor("usr_x", "viewer"))).toBe("usr_x");
  });

  it("expires at the token's end, never for a token without one", () => {
    expect(isExpired({ expiresAt: 100 }, 100)).toBe(true);
    expect(isExpired({ expiresAt: 101 }, 100)).toBe(false);
    expect(isExpired({ expiresAt: null }, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

const step = (sessionId: string | null, result: string | null): RunView["steps"][number] => ({
  id: "a",
  name: "a",
  needs: [],
  status: "succeeded",
  statusReason: "",
  attempts: 1,
  maxAttempts: 1,
  sessionId,
  sessionIds: sessionId ? [sessionId] : [],
  agentId: null,
  agentName: null,
  selector: [],
  template: null,
  result,
  costUsd: 0,
  readyAt: null,
  startedAt: null,
  endedAt: null,
});
const run = (steps: RunView["steps"]): RunView => ({
  id: "run_1",
  workspaceId: "wsp_1",
  name: "r",
  status: "succeeded",
  statusReason: "",
  createdBy: "usr_author",
  params: {},
  steps,
  costUsd: 0,
  createdAt: 1,
  updatedAt: 1,
  endedAt: 1,
});
const accessOf = (id: string) =>
  id === "ses_private" ? privateSession : id === "ses_shared" ? { ownerId: "usr_author", grants: [{ principal: "workspace", role: "viewer" as const }] } : null;

describe("runFor", () => {
  it("hides the result of a step whose session the caller may not read, and keeps the rest", () => {
    const r = run([step("ses_private", "secret"), step("ses_shared", "open"), step(null, null)]);
    expect(runFor(actor("usr_other", "viewer"), r, accessOf)?.steps.map((s) => s.result)).toEqual([null, "open", null]);
    expect(runFor(actor("usr_reader", "member"), r, accessOf)?.steps.map((s) => s.result)).toEqual(["secret", "open", null]);
    expect(runFor(actor("usr_admin", "admin"), r, accessOf)?.steps.map((s) => s.result)).toEqual(["secret", "open", null]);
  });

  it("hides a result when any attempt of the step ran in a session the caller may not read", () => {
    const s = { ...step("ses_shared", "from the retry"), sessionIds: ["ses_private", "ses_shared"] };
    expect(runFor(actor("usr_other", "member"), run([s]), accessOf)?.steps[0]?.result).toBeNull();
  });

  it("shows no run to a caller who may not read runs", () => {
    expect(runFor(actor("usr_x", null), run([]), accessOf)).toBeNull();
  });
});

describe("frameFor", () => {
  const approval = { type: "approval-upsert", approval: { sessionId: "ses_private" } } as unknown as HubFrame;
  const presence = { type: "agent-presence", agent: {} } as unknown as HubFrame;
  it.each([
    ["the owner", actor("usr_author", "member"), true],
    ["a session viewer", actor("usr_reader", "member"), true],
    ["a member it is not shared with", actor("usr_other", "member"), false],
    ["a workspace viewer", actor("usr_other", "viewer"), false],
  ])("sends a private session's approval to %s: %s", (_who, a, sent) => {
    expect(frameFor(a, approval, accessOf) !== null).toBe(sent);
    expect(frameFor(a, presence, accessOf)).toBe(presence);
  });

  it("redacts a pipeline frame's private step results per caller", () => {
    const frame: HubFrame = { type: "pipeline-upsert", run: run([step("ses_private", "secret")]) };
    const shown = frameFor(actor("usr_other", "viewer"), frame, accessOf);
    expect(shown?.type === "pipeline-upsert" && shown.run.steps[0]?.result).toBeNull();
    expect(frame.run.steps[0]?.result).toBe("secret");
  });
});

describe("routed approvals (maySeeApproval, approvalListViewerOf, frameFor)", () => {
  const routing = (eligible: string[] | null, escalated: string[] = [], escalatedAt: number | null = null) => ({
    decideBy: "group:sre",
    rule: "rule r (v1)",
    label: "group sre",
    eligible,
    quorum: 1,
    approvals: [],
    ...(escalated.length ? { escalation: { to: "group:leads", label: "group leads", eligible: escalated, afterMs: 1000, escalatedAt } } : {}),
  });
  it.each([
    ["a member the call is routed to", actor("usr_ann", "member"), routing(["usr_ann"]), true],
    ["a member not named", actor("usr_other", "member"), routing(["usr_ann"]), false],
    ["an escalation's member before it escalates", actor("usr_lee", "member"), routing(["usr_ann"], ["usr_lee"]), false],
    ["an escalation's member once it escalated", actor("usr_lee", "member"), routing(["usr_ann"], ["usr_lee"], 5), true],
    ["a named workspace viewer (who may not act)", actor("usr_ann", "viewer"), routing(["usr_ann"]), false],
    ["a named member with a read-only token", actor("usr_ann", "member", ["read"]), routing(["usr_ann"]), false],
    ["the owner, whatever the routing", actor("usr_author", "member"), routing(["usr_ann"]), true],
  ])("%s: sees it %s", async (_who, a, r, sees) => {
    const { maySeeApproval } = await import("../../worker/domain/visibility");
    expect(maySeeApproval(a, privateSession, r)).toBe(sees);
    const frame = { type: "approval-upsert", approval: { sessionId: "ses_private", routing: r } } as unknown as HubFrame;
    expect(frameFor(a, frame, () => privateSession) !== null).toBe(sees);
    // A routed call never opens its session.
    if (!maySeeSession(a, privateSession))
      expect(frameFor(a, { type: "session-removed", sessionId: "ses_private" } as HubFrame, () => privateSession)).toBeNull();
  });

  it("the list's SQL mirror adds the caller's routed calls only when they could decide one", async () => {
    const { approvalListViewerOf } = await import("../../worker/domain/visibility");
    expect(approvalListViewerOf(actor("usr_ann", "member"))).toEqual({ viewer: "usr_ann", routedTo: "usr_ann" });
    expect(approvalListViewerOf(actor("usr_ann", "viewer"))).toEqual({ viewer: "usr_ann", routedTo: null });
    expect(approvalListViewerOf(actor("usr_admin", "admin"))).toEqual({ viewer: null, routedTo: "usr_admin" });
  });
});
