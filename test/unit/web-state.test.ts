import { describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import type { AgentPresence } from "../../worker/protocol/frames";
import type { SessionSummary } from "../../worker/protocol/session";
import { BINDINGS, describeKeys, resolveKey, type KeyPress } from "../../web/src/keys/keymap";
import { applyHubFrame, defaultFilter, emptyWorkspace, loadSessions, pendingApprovals, visibleSessions } from "../../web/src/state/workspace";

const session = (id: string, over: Partial<SessionSummary> = {}): SessionSummary => ({
  id: id as SessionSummary["id"],
  workspaceId: "wsp_00000000000000000001" as SessionSummary["workspaceId"],
  agentId: "agt_00000000000000000001" as SessionSummary["agentId"],
  agentName: "m1",
  ownerId: "",
  title: id,
  prompt: "p",
  cwd: "/w",
  model: null,
  status: "running",
  statusReason: "",
  archived: false,
  parentSessionId: null,
  claudeSessionId: null,
  messageCount: 0,
  toolCallCount: 0,
  pendingApprovals: 0,
  costUsd: 0,
  inputTokens: 0,
  outputTokens: 0,
  numTurns: 0,
  lastSeq: 1,
  result: null,
  createdAt: 1,
  updatedAt: 1,
  endedAt: null,
  ...over,
});
const approval = (id: string, createdAt: number, status: Approval["status"] = "pending"): Approval => ({
  id: id as Approval["id"],
  sessionId: "ses_00000000000000000001" as Approval["sessionId"],
  toolName: "Bash",
  toolUseId: null,
  input: {},
  inputSha256: "",
  status,
  createdAt,
  expiresAt: createdAt + 1,
  decidedAt: null,
  decidedBy: null,
  via: null,
  comment: null,
  updatedInput: null,
});

describe("workspace state", () => {
  it("keeps a live delta when an older HTTP page arrives after it", () => {
    let s = applyHubFrame(emptyWorkspace, { type: "session-upsert", session: session("s1", { status: "completed", updatedAt: 5, lastSeq: 9 }) });
    s = loadSessions(s, [session("s1", { status: "running", updatedAt: 2, lastSeq: 3 })]);
    expect(s.sessions.get("s1")?.status).toBe("completed");
    expect(s.loaded).toBe(true);
  });

  it("keeps only pending approvals in the inbox, newest first", () => {
    let s = applyHubFrame(emptyWorkspace, { type: "hello", approvals: [approval("a1", 1), approval("a2", 2), approval("a3", 3, "approved")], agents: [] });
    expect(pendingApprovals(s).map((a) => a.id)).toEqual(["a2", "a1"]);
    s = applyHubFrame(s, { type: "approval-upsert", approval: approval("a2", 2, "denied") });
    expect(pendingApprovals(s).map((a) => a.id)).toEqual(["a1"]);
  });

  it("drops a session that is no longer shared with the viewer, and its pending approvals", () => {
    let s = applyHubFrame(emptyWorkspace, { type: "hello", approvals: [approval("a1", 1)], agents: [] });
    s = applyHubFrame(s, { type: "session-upsert", session: session("ses_00000000000000000001") });
    s = applyHubFrame(s, { type: "session-removed", sessionId: "ses_00000000000000000001" as SessionSummary["id"] });
    expect(s.sessions.size).toBe(0);
    expect(pendingApprovals(s)).toEqual([]);
  });

  it("filters by status, machine and archived, newest first", () => {
    const s = loadSessions(emptyWorkspace, [
      session("s1", { createdAt: 1, status: "waiting_for_approval" }),
      session("s2", { createdAt: 2, status: "completed" }),
      session("s3", { createdAt: 3, archived: true }),
      session("s4", { createdAt: 4, agentId: "agt_00000000000000000002" as SessionSummary["agentId"] }),
    ]);
    const ids = (f: Partial<typeof defaultFilter>) => visibleSessions(s, { ...defaultFilter, ...f }).map((x) => x.id);
    expect(ids({})).toEqual(["s4", "s2", "s1"]);
    expect(ids({ status: "needs_approval" })).toEqual(["s1"]);
    expect(ids({ status: "ended" })).toEqual(["s2"]);
    expect(ids({ status: "active" })).toEqual(["s4", "s1"]);
    expect(ids({ archived: true })).toEqual(["s3"]);
    expect(ids({ agent: "agt_00000000000000000002" })).toEqual(["s4"]);
  });

  it("tracks agent presence", () => {
    const agent = { id: "agt_1", name: "m", online: false } as AgentPresence;
    const s = applyHubFrame(emptyWorkspace, { type: "agent-presence", agent: { ...agent, online: true } });
    expect(s.agents.get("agt_1")?.online).toBe(true);
  });
});

describe("keymap", () => {
  const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, inField: false, ...over });

  it("resolves every single key in the table", () => {
    const cases: [KeyPress, string][] = [
      [press("c"), "new-session"],
      [press("/"), "search"],
      [press("j"), "down"],
      [press("k"), "up"],
      [press("Enter"), "open"],
      [press("Escape"), "back"],
      [press("a"), "approve"],
      [press("d"), "deny"],
      [press("x"), "select"],
      [press("e"), "archive"],
      [press("x", { ctrlKey: true }), "interrupt"],
      [press("?"), "help"],
      [press("k", { ctrlKey: true }), "palette"],
    ];
    for (const [p, cmd] of cases) expect(resolveKey(p, null).command, p.key).toBe(cmd);
  });

  it("uses Cmd on a Mac for the palette", () => {
    expect(resolveKey(press("k", { metaKey: true }), null, true).command).toBe("palette");
    expect(resolveKey(press("k", { metaKey: true }), null, false).command).toBeNull();
  });

  it("understands g-sequences and forgets a dangling g", () => {
    const first = resolveKey(press("g"), null);
    expect(first).toEqual({ command: null, pending: "g" });
    expect(resolveKey(press("s"), "g").command).toBe("go-sessions");
    expect(resolveKey(press("a"), "g").command).toBe("go-approvals");
    expect(resolveKey(press("m"), "g").command).toBe("go-machines");
    expect(resolveKey(press("a"), null).command).toBe("approve");
  });

  it("leaves plain keys to text fields, but not Escape or chords", () => {
    expect(resolveKey(press("c", { inField: true }), null).command).toBeNull();
    expect(resolveKey(press("Escape", { inField: true }), null).command).toBe("back");
    expect(resolveKey(press("k", { inField: true, ctrlKey: true }), null).command).toBe("palette");
  });

  it("describes every binding for the help overlay", () => {
    expect(BINDINGS.length).toBeGreaterThanOrEqual(16);
    expect(describeKeys("Mod+k", true)).toBe("⌘k");
    expect(describeKeys("Mod+k", false)).toBe("Ctrl+k");
    expect(describeKeys("g s", false)).toBe("g then s");
  });
});

describe("search snippets", async () => {
  const { snippetParts } = await import("../../web/src/state/snippet");
  it("splits highlights from text and decodes entities, so nothing is ever HTML", () => {
    expect(snippetParts("run <mark>npm</mark> &lt;script&gt; &amp; <mark>test</mark>")).toEqual([
      { text: "run ", hit: false },
      { text: "npm", hit: true },
      { text: " <script> & ", hit: false },
      { text: "test", hit: true },
    ]);
    expect(snippetParts("plain")).toEqual([{ text: "plain", hit: false }]);
  });
});

describe("template launch form", async () => {
  const { initialValues, paramErrors, toParamValues } = await import("../../web/src/state/params");
  const params = [
    { name: "test", type: "string" as const },
    { name: "attempts", type: "number" as const, default: 3 },
    { name: "level", type: "enum" as const, values: ["low", "high"] },
    { name: "dry", type: "boolean" as const, default: false },
    { name: "note", type: "string" as const, required: false },
  ];
  it("starts from the defaults and names what is missing or wrong", () => {
    const v = initialValues(params);
    expect(v).toEqual({ test: "", attempts: "3", level: "", dry: false, note: "" });
    expect(paramErrors(params, v)).toEqual({ test: "test is required", level: "level is required" });
    expect(paramErrors(params, { ...v, test: "auth.spec.ts", attempts: "many", level: "medium" })).toEqual({
      attempts: "attempts must be a number",
      level: "level must be one of: low, high",
    });
  });
  it("sends typed values and leaves empty optional ones to the template", () => {
    expect(toParamValues(params, { test: " a.ts ", attempts: "5", level: "high", dry: true, note: "" })).toEqual({
      test: "a.ts",
      attempts: 5,
      level: "high",
      dry: true,
    });
  });
});

describe("pipeline runs in the workspace state", async () => {
  const { upsertRuns, visibleRuns } = await import("../../web/src/state/workspace");
  const run = (id: string, createdAt: number, updatedAt: number, status = "running") => ({ id, createdAt, updatedAt, status }) as never;
  it("keeps the newest copy of each run and lists newest first", () => {
    let s = upsertRuns(emptyWorkspace, [run("r1", 1, 5, "succeeded"), run("r2", 2, 2)]);
    s = upsertRuns(s, [run("r1", 1, 3, "running")]);
    expect((s.runs.get("r1") as { status: string }).status).toBe("succeeded");
    s = applyHubFrame(s, { type: "pipeline-upsert", run: run("r3", 3, 3) });
    expect(visibleRuns(s).map((r) => r.id)).toEqual(["r3", "r2", "r1"]);
  });
});

describe("pipeline graph layout", async () => {
  const { columns, edges } = await import("../../web/src/state/graph");
  it("draws one edge from each step a step needs, a name standing for all its matrix copies", () => {
    const steps = [
      { id: "build", name: "build", needs: [] },
      { id: "tests[0]", name: "tests", needs: ["build"] },
      { id: "tests[1]", name: "tests", needs: ["build", "build"] },
      { id: "ship", name: "ship", needs: ["tests", "nowhere"] },
    ];
    expect(edges(steps)).toEqual([
      { from: "build", to: "tests[0]" },
      { from: "build", to: "tests[1]" },
      { from: "tests[0]", to: "ship" },
      { from: "tests[1]", to: "ship" },
    ]);
  });
  it("puts each step after the deepest step it needs; a name stands for its matrix copies", () => {
    const steps = [
      { id: "build", name: "build", needs: [] },
      { id: "tests[0]", name: "tests", needs: ["build"] },
      { id: "tests[1]", name: "tests", needs: ["build"] },
      { id: "lint", name: "lint", needs: [] },
      { id: "ship", name: "ship", needs: ["tests", "lint"] },
    ];
    expect(columns(steps).map((c) => c.map((s) => s.id))).toEqual([["build", "lint"], ["tests[0]", "tests[1]"], ["ship"]]);
  });
});
