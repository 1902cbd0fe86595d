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
