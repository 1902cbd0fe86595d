import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendDeferral, inputSha256, ParkedDecision, untilParkable } from "../../agent/park.ts";
import { canonicalSha256 } from "../../party/hash.ts";

const input = { file_path: "/tmp/x/hello.txt", content: "hello\n", nested: { b: 1, a: [1, { d: 2, c: 3 }] } };

describe("parked decision", () => {
  it("hashes a tool input exactly as the room does, whatever the key order", () => {
    expect(inputSha256(input)).toBe(canonicalSha256(input));
    expect(inputSha256({ nested: { a: [1, { c: 3, d: 2 }], b: 1 }, content: "hello\n", file_path: "/tmp/x/hello.txt" })).toBe(canonicalSha256(input));
  });

  it("answers only the parked call, once, with the decision", () => {
    const d = new ParkedDecision({ toolUseId: "toolu_1", inputSha256: inputSha256(input), answer: { behavior: "allow" } });
    expect(d.answer("toolu_2", input)).toBeUndefined();
    expect(d.answer(undefined, input)).toBeUndefined();
    expect(d.answer("toolu_1", input)).toEqual({ behavior: "allow" });
    expect(d.answer("toolu_1", input)).toMatchObject({ behavior: "deny", message: "This call was already decided." });
  });

  it("denies the parked call when its input is not the one decided on", () => {
    const d = new ParkedDecision({ toolUseId: "toolu_1", inputSha256: inputSha256(input), answer: { behavior: "allow" } });
    expect(d.answer("toolu_1", { ...input, content: "rm -rf\n" })).toMatchObject({ behavior: "deny", message: expect.stringContaining("different input") });
  });

  it("the hook answers PreToolUse for the parked call and passes every other call through", async () => {
    const d = new ParkedDecision({ toolUseId: "toolu_1", inputSha256: inputSha256(input), answer: { behavior: "deny", message: "Not tonight" } });
    const base = { session_id: "s", transcript_path: "/t", cwd: "/", hook_event_name: "PreToolUse" as const, tool_name: "Write" };
    const signal = new AbortController().signal;
    expect(await d.hook({ ...base, tool_input: input, tool_use_id: "toolu_9" }, "toolu_9", { signal })).toEqual({});
    expect(await d.hook({ ...base, tool_input: input, tool_use_id: "toolu_1" }, "toolu_1", { signal })).toEqual({
      hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: "Not tonight" },
    });
  });
});

describe("finding the parked call in Claude's transcript", () => {
  const line = (toolUseId: string) =>
    `${JSON.stringify({ type: "assistant", uuid: "u1", sessionId: "s1", message: { id: "m1", content: [{ type: "tool_use", id: toolUseId, name: "Write", input }] } })}\n`;

  it("waits for a transcript Claude Code has not created yet when the call is asked (its writes are batched)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "tower-transcript-")), "s.jsonl");
    let created = false;
    setTimeout(() => {
      writeFileSync(path, line("toolu_1"));
      created = true;
    }, 300);
    const found = await untilParkable(
      () => (created ? path : undefined),
      "toolu_1",
      () => true,
    );
    expect(found).toMatchObject({ path, line: { uuid: "u1" } });
  });

  it("gives up when the call is answered meanwhile, and says why", async () => {
    expect(
      await untilParkable(
        () => undefined,
        "toolu_1",
        () => false,
      ),
    ).toEqual({ refused: "the call was answered meanwhile" });
  });

  // What park() writes must be a record Claude Code can resume from: a line that lacks what the record
  // needs is refused (the call then waits on, unparked) instead of writing "undefined" into Claude's transcript.
  it.each([
    ["no session id", { type: "assistant", uuid: "u1", message: { id: "m1", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input }] } }],
    ["no uuid", { type: "assistant", sessionId: "s1", message: { id: "m1", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input }] } }],
    [
      "a call with no tool name",
      { type: "assistant", uuid: "u1", sessionId: "s1", message: { id: "m1", content: [{ type: "tool_use", id: "toolu_1", input }] } },
    ],
    [
      "a call whose input is not an object",
      { type: "assistant", uuid: "u1", sessionId: "s1", message: { id: "m1", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input: "x" }] } },
    ],
  ])("refuses to park a call whose transcript line has %s, and leaves the transcript as it was", (_what, record) => {
    const path = join(mkdtempSync(join(tmpdir(), "tower-transcript-")), "s.jsonl");
    writeFileSync(path, `${JSON.stringify(record)}\n`);
    expect(appendDeferral(path, "toolu_1")).toEqual({ refused: expect.stringContaining("not in the shape") });
    expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify(record)}\n`);
  });

  it("parks a well-formed call: the record names the call, its tool and input, and the line it follows", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tower-transcript-")), "s.jsonl");
    const record = {
      type: "assistant",
      uuid: "u1",
      sessionId: "s1",
      cwd: "/w",
      message: { id: "m1", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input }] },
    };
    writeFileSync(path, `${JSON.stringify(record)}\n`);
    expect(appendDeferral(path, "toolu_1")).toEqual({ claudeSessionId: "s1", toolUseId: "toolu_1", toolName: "Write", input, inputSha256: inputSha256(input) });
    const appended = JSON.parse(readFileSync(path, "utf8").trim().split("\n")[1]!);
    expect(appended).toMatchObject({
      parentUuid: "u1",
      type: "attachment",
      sessionId: "s1",
      cwd: "/w",
      attachment: { type: "hook_deferred_tool", toolUseID: "toolu_1", toolName: "Write", toolInput: input },
    });
  });
});
