import { describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import type { SessionEvent } from "../../worker/protocol/events";
import { resultText, Transcript } from "../../web/src/transcript/build";

let seq = 0;
const at = 1_000;
const msg = (message: Record<string, unknown>): SessionEvent => ({ seq: ++seq, at, type: "sdk-message", message: message as never });
const assistant = (content: unknown[], parent: string | null = null) =>
  msg({ type: "assistant", parent_tool_use_id: parent, message: { role: "assistant", content } });
const toolResult = (id: string, content: unknown, isError = false, parent: string | null = null) =>
  msg({ type: "user", parent_tool_use_id: parent, message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content, is_error: isError }] } });

const approval = (over: Partial<Approval> = {}): Approval => ({
  id: "apr_00000000000000000001" as Approval["id"],
  sessionId: "ses_00000000000000000001" as Approval["sessionId"],
  toolName: "Write",
  toolUseId: "toolu_1",
  input: { file_path: "/x", content: "y" },
  inputSha256: "0".repeat(64),
  status: "pending",
  createdAt: at,
  expiresAt: at + 60_000,
  decidedAt: null,
  decidedBy: null,
  via: null,
  comment: null,
  updatedInput: null,
  ...over,
});

describe("Transcript", () => {
  it("pairs each tool call with its result and keeps text in order", () => {
    const t = new Transcript();
    t.push([
      { seq: ++seq, at, type: "user-prompt", prompt: "write hello.txt", by: "usr_1" },
      assistant([{ type: "text", text: "I will write the file." }]),
      assistant([{ type: "tool_use", id: "toolu_1", name: "Write", input: { file_path: "/p/hello.txt", content: "hello\n" } }]),
      toolResult("toolu_1", "File created"),
    ]);
    expect(t.items.map((i) => i.kind)).toEqual(["prompt", "text", "tool"]);
    const tool = t.items[2]!;
    expect(tool.kind === "tool" && tool.result).toEqual({ text: "File created", isError: false });
  });

  it("nests a sub-agent's messages and tool calls under the Task call that started it", () => {
    const t = new Transcript();
    t.push([
      assistant([{ type: "tool_use", id: "task_1", name: "Task", input: { description: "look around", prompt: "find x" } }]),
      assistant([{ type: "text", text: "searching" }], "task_1"),
      assistant([{ type: "tool_use", id: "grep_1", name: "Grep", input: { pattern: "x" } }], "task_1"),
      toolResult("grep_1", [{ type: "text", text: "a.ts:1:x" }], false, "task_1"),
      toolResult("task_1", "found x in a.ts"),
    ]);
    expect(t.items).toHaveLength(1);
    const task = t.items[0]!;
    if (task.kind !== "tool") throw new Error("expected a tool");
    expect(task.children.map((c) => c.kind)).toEqual(["text", "tool"]);
    const grep = task.children[1]!;
    expect(grep.kind === "tool" && grep.result?.text).toBe("a.ts:1:x");
    expect(task.result?.text).toBe("found x in a.ts");
  });

  it("replaces changed items instead of mutating them, so React sees the change", () => {
    const t = new Transcript();
    t.push([assistant([{ type: "tool_use", id: "b1", name: "Bash", input: { command: "ls" } }])]);
    const before = t.items;
    const itemBefore = before[0];
    t.push([toolResult("b1", "out", true)]);
    expect(t.items).not.toBe(before);
    expect(t.items[0]).not.toBe(itemBefore);
    expect(itemBefore?.kind === "tool" && itemBefore.result).toBeNull();
  });

  it("ignores events it has already seen, so a replay after reconnect adds nothing", () => {
    const t = new Transcript();
    const events = [assistant([{ type: "text", text: "one" }]), assistant([{ type: "text", text: "two" }])];
    expect(t.push(events)).toBe(true);
    expect(t.push(events)).toBe(false);
    expect(t.items).toHaveLength(2);
  });

  it("updates an approval card in place when it is resolved", () => {
    const t = new Transcript();
    const a = approval();
    t.push([{ seq: ++seq, at, type: "approval-requested", approval: a }]);
    t.push([
      { seq: ++seq, at: at + 5, type: "approval-resolved", approvalId: a.id, status: "denied", via: "human", by: "usr_1", comment: "no", updatedInput: null },
    ]);
    const card = t.items[0]!;
    expect(card.kind === "approval" && card.approval).toMatchObject({ status: "denied", comment: "no", decidedBy: "usr_1", decidedAt: at + 5 });
  });

  it("ends with the run's result: ok, text, cost and turns", () => {
    const t = new Transcript();
    t.push([msg({ type: "result", subtype: "success", is_error: false, result: "Done.", total_cost_usd: 0.0123, num_turns: 2, parent_tool_use_id: null })]);
    expect(t.items[0]).toMatchObject({ kind: "result", ok: true, text: "Done.", costUsd: 0.0123, turns: 2 });
  });

  it("reads tool result content given as blocks", () => {
    expect(resultText([{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }])).toBe("a\n[image]\nb");
    expect(resultText(null)).toBe("");
  });
});

describe("dead letters", () => {
  it("shows an event the session lost as a note with its type, size and reason", () => {
    const t = new Transcript();
    t.push([{ seq: ++seq, at, type: "event-dropped", eventType: "sdk-message", size: 2_000_000, reason: "too large for a frame" }]);
    expect(t.items.at(-1)).toMatchObject({ kind: "note", text: "Dropped a sdk-message event (2,000,000 bytes): too large for a frame" });
  });
});
