import { describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import type { SessionEvent } from "../../worker/protocol/events";
import { resultHeading, toolStatus, Transcript, type Item } from "../../web/src/transcript/build";

let seq = 0;
const at = 1_000;
const msg = (message: Record<string, unknown>): SessionEvent => ({ seq: ++seq, at, type: "sdk-message", message: message as never });
const write = (id = "toolu_1") =>
  msg({
    type: "assistant",
    parent_tool_use_id: null,
    message: { role: "assistant", content: [{ type: "tool_use", id, name: "Write", input: { file_path: "/p/a.txt", content: "a" } }] },
  });
const toolResult = (id: string, content: string, isError = false) =>
  msg({ type: "user", parent_tool_use_id: null, message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content, is_error: isError }] } });
const approval = (over: Partial<Approval> = {}): Approval => ({
  id: "apr_00000000000000000001" as Approval["id"],
  sessionId: "ses_00000000000000000001" as Approval["sessionId"],
  toolName: "Write",
  toolUseId: "toolu_1",
  input: { file_path: "/p/a.txt", content: "a" },
  inputSha256: "0".repeat(64),
  status: "pending",
  createdAt: at,
  expiresAt: at + 600_000,
  decidedAt: null,
  decidedBy: null,
  via: null,
  comment: null,
  updatedInput: null,
  ...over,
});
const resolved = (status: Approval["status"], by: string | null, comment: string | null): SessionEvent => ({
  seq: ++seq,
  at,
  type: "approval-resolved",
  approvalId: approval().id,
  status,
  via: by ? "human" : "system",
  by,
  comment,
  updatedInput: null,
});
const tool = (t: Transcript) => t.items.find((i): i is Extract<Item, { kind: "tool" }> => i.kind === "tool")!;
const result = (t: Transcript) => t.items.find((i): i is Extract<Item, { kind: "result" }> => i.kind === "result")!;

describe("a tool call waiting for approval", () => {
  it("reads as waiting, with who may decide and when it expires, not as running", () => {
    const t = new Transcript();
    t.push([write(), { seq: ++seq, at, type: "approval-requested", approval: approval() }]);
    const s = toolStatus(tool(t), at + 60_000);
    expect(s.state).toBe("waiting");
    expect(s.text).toContain("waiting for approval");
    expect(s.text).toContain("owner, a collaborator or a workspace admin may decide");
    expect(s.text).toContain("expires in 9m");
    expect(s.text).not.toContain("running");
  });

  it("matches an approval that arrived before its tool call", () => {
    const t = new Transcript();
    t.push([{ seq: ++seq, at, type: "approval-requested", approval: approval() }, write()]);
    expect(toolStatus(tool(t), at).state).toBe("waiting");
  });

  it("runs once approved, and says who denied it when denied", () => {
    const approved = new Transcript();
    approved.push([write(), { seq: ++seq, at, type: "approval-requested", approval: approval() }, resolved("approved", "ann", null)]);
    expect(toolStatus(tool(approved), at)).toMatchObject({ state: "running", text: "running…" });

    const denied = new Transcript();
    denied.push([
      write(),
      { seq: ++seq, at, type: "approval-requested", approval: approval() },
      resolved("denied", "bob", "no"),
      toolResult("toolu_1", "no", true),
    ]);
    expect(toolStatus(tool(denied), at)).toMatchObject({ state: "denied", text: "denied by bob: not run" });
  });
});

describe("an interrupted run", () => {
  it("reads 'Interrupted by NAME' and never shows Claude Code's diagnostics", () => {
    const t = new Transcript();
    t.push([
      write(),
      { seq: ++seq, at, type: "approval-requested", approval: approval() },
      { seq: ++seq, at, type: "interrupt-requested", by: "ann@example.com" },
      resolved("cancelled", null, "interrupted by ann@example.com"),
      toolResult("toolu_1", "The user doesn't want to proceed with this tool use.", true),
      msg({
        type: "result",
        subtype: "error_during_execution",
        is_error: true,
        terminal_reason: "aborted_tools",
        num_turns: 3,
        total_cost_usd: 0.00044,
        errors: ["[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=tool_use"],
        parent_tool_use_id: null,
      }),
    ]);
    const r = result(t);
    expect(r.outcome).toBe("interrupted");
    expect(resultHeading(r)).toMatch(/^Interrupted by ann@example\.com/);
    expect(resultHeading(r)).not.toContain("Failed");
    expect(JSON.stringify(t.items)).not.toContain("ede_diagnostic");
    expect(toolStatus(tool(t), at)).toMatchObject({ state: "denied", text: "not run: interrupted by ann@example.com" });
  });

  it("keeps a real failure's message, without the diagnostics", () => {
    const t = new Transcript();
    t.push([
      msg({ type: "result", subtype: "error_during_execution", is_error: true, errors: ["disk full", "[ede_diagnostic] x=y"], parent_tool_use_id: null }),
    ]);
    expect(result(t)).toMatchObject({ outcome: "error", text: "disk full" });
    expect(resultHeading(result(t))).toMatch(/^Failed/);
  });
});

describe("the result's figures", () => {
  it("shows the session's own cost (a fork's inherited cost left out, as the header does) and a correct plural", () => {
    const t = new Transcript();
    t.push([
      { seq: ++seq, at, type: "session-created", title: "fork", spec: { prompt: "p", cwd: "/p" }, inheritedCostUsd: 0.0216 },
      msg({ type: "result", subtype: "success", is_error: false, result: "Done.", total_cost_usd: 0.0334, num_turns: 1, parent_tool_use_id: null }),
    ]);
    expect(result(t).costUsd).toBeCloseTo(0.0118);
    expect(resultHeading(result(t))).toBe("Result · 1 turn · session cost so far $0.0118");
  });
});
