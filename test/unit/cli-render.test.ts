import { describe, expect, it } from "vitest";
import type { Line } from "../../agent/cli/output";
import { formatSessionRow, renderEvent, renderSdkMessage, summarizeToolInput, SESSION_COLUMNS } from "../../agent/cli/render";
import type { RunOutcome } from "../../worker/protocol/agent";
import { APR, NOW, SDK, approval, at, summary } from "./cli-fixtures";

const text = (lines: Line[]) => lines.map((l) => l.text).join("\n");
const sdk = (message: Record<string, unknown>) => renderEvent(at({ type: "sdk-message" as const, message: message as never }));

const outcome = (over: Partial<RunOutcome> = {}): RunOutcome => ({
  kind: "success",
  result: "Done: the file was written.",
  costUsd: 0.00088,
  inputTokens: 20,
  outputTokens: 40,
  cacheReadTokens: 12_000,
  cacheCreationTokens: 0,
  numTurns: 2,
  durationMs: 269,
  ...over,
});

describe("happy", () => {
  it("prints assistant text as it is", () => {
    expect(sdk(SDK.text)).toEqual([{ text: "I will write the file." }]);
  });

  it("prints a tool call with its name and the file it writes", () => {
    expect(text(sdk(SDK.write))).toBe("→ Write /home/dev/proj/hello.txt");
  });

  it("prints a tool result, trimmed to one line each and marked as a result", () => {
    const out = text(sdk(SDK.writeResult));
    expect(out.startsWith("← File created successfully at: /home/dev/proj/hello.txt")).toBe(true);
    expect(out.split("\n")).toHaveLength(1);
    expect(out.length).toBeLessThanOrEqual(170);
  });

  it("marks a failed tool result as an error", () => {
    expect(sdk(SDK.deniedResult)).toEqual([{ text: "✗ User said no", tone: "error" }]);
  });

  it("cuts a long tool result to a few lines and says how many were left out", () => {
    const long = {
      ...SDK.writeResult,
      message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "a\nb\nc\nd\ne\nf" }] }] },
    };
    expect(text(sdk(long))).toBe("← a\n  b\n  c\n  … (+3 lines)");
  });

  it("shows system/init as one dim line with version, model and cwd", () => {
    expect(sdk(SDK.init)).toEqual([{ text: "· Claude Code 2.1.331 · claude-opus-5-5 · /home/dev/proj", tone: "dim" }]);
  });

  it("marks an API error message as an error", () => {
    expect(sdk(SDK.apiError)[0]).toMatchObject({ tone: "error", text: expect.stringContaining("Connection refused") });
  });

  it("indents a subagent's messages under its Task call", () => {
    expect(text(sdk({ ...SDK.text, parent_tool_use_id: "toolu_task_1" }))).toBe("  │ I will write the file.");
  });

  it.each([
    ["Bash", { command: "npm test -- --run\nnpm run lint", description: "Run the tests" }, "npm test -- --run"],
    ["Read", { file_path: "/src/a.ts", offset: 10 }, "/src/a.ts"],
    ["Edit", { file_path: "/src/a.ts", old_string: "a", new_string: "b" }, "/src/a.ts"],
    ["Write", { file_path: "/src/b.ts", content: "x" }, "/src/b.ts"],
    ["Grep", { pattern: "TODO", path: "/src" }, "TODO in /src"],
    ["Glob", { pattern: "**/*.ts" }, "**/*.ts"],
    ["WebFetch", { url: "https://example.com", prompt: "summarize" }, "https://example.com"],
    ["mcp__db__query", { sql: "select 1" }, '{"sql":"select 1"}'],
    ["TodoWrite", {}, ""],
  ])("summarizes %s input as %j → %s", (tool, input, expected) => {
    expect(summarizeToolInput(tool, input)).toBe(expected);
  });

  it("shows a status change with its reason", () => {
    expect(text(renderEvent(at({ type: "status-changed", from: "starting", to: "running", reason: "Claude Code started" })))).toBe(
      "● running — Claude Code started",
    );
  });

  it("says 'needs approval' for waiting_for_approval", () => {
    expect(text(renderEvent(at({ type: "status-changed", from: "running", to: "waiting_for_approval", reason: "Bash waits" })))).toContain("needs approval");
  });

  it("shows an approval request with the tool, its input, the id and how to decide", () => {
    const out = text(renderEvent(at({ type: "approval-requested", approval: approval() })));
    expect(out).toContain("Bash npm test -- --run");
    expect(out).toContain(APR);
    expect(out).toContain(`tower approve ${APR}`);
    expect(out).toContain(`tower deny ${APR} --comment`);
  });

  it.each([
    [{ status: "approved", via: "human", by: "alice", comment: null, updatedInput: { command: "ls" } }, ["approved by alice", "edited input"]],
    [{ status: "denied", via: "human", by: "bob", comment: "use pnpm instead", updatedInput: null }, ["denied by bob", "use pnpm instead"]],
    [{ status: "expired", via: "timeout", by: null, comment: "No one approved this tool call in time", updatedInput: null }, ["expired", "in time"]],
    [{ status: "cancelled", via: "system", by: null, comment: "the run ended", updatedInput: null }, ["cancelled", "the run ended"]],
  ] as const)("shows a resolved approval (%j)", (body, expected) => {
    const out = text(renderEvent(at({ type: "approval-resolved", approvalId: APR, ...body })));
    for (const e of expected) expect(out).toContain(e);
    expect(out).toContain(APR);
  });

  it("shows the end of a run with outcome, cost, tokens, turns and the result", () => {
    const out = text(renderEvent(at({ type: "run-ended", outcome: outcome() })));
    expect(out).toContain("run ended: success");
    expect(out).toContain("$0.0009");
    expect(out).toContain("12.1k tokens");
    expect(out).toContain("2 turns");
    expect(out).toContain("Done: the file was written.");
  });

  it("shows a failed run's error instead of a result", () => {
    const lines = renderEvent(at({ type: "run-ended", outcome: outcome({ kind: "error", result: undefined, error: "Claude Code exited with code 1" }) }));
    expect(lines.every((l) => l.tone === "error")).toBe(true);
    expect(text(lines)).toContain("Claude Code exited with code 1");
  });

  it("shows a follow-up prompt and who sent it", () => {
    expect(text(renderEvent(at({ type: "user-prompt", prompt: "now add a test\nand run it", by: "alice" })))).toBe("> now add a test  (alice)\n  and run it");
  });
});

describe("errors", () => {
  it.each([
    ["a result message (run-ended reports it)", SDK.result],
    ["a stream event", SDK.streamEvent],
    ["an unknown type", { type: "brand_new_thing", payload: [1, 2] }],
    ["a message without a type", { hello: "world" }],
    ["an assistant message without content", { type: "assistant", message: null }],
    ["content that is not a list", { type: "user", message: { content: "plain prompt" } }],
    ["blocks that are not objects", { type: "assistant", message: { content: [null, 3, "x", { type: "tool_use" }] } }],
  ])("renders %s without crashing", (_name, message) => {
    expect(() => renderSdkMessage(message as Record<string, unknown>)).not.toThrow();
    expect(renderSdkMessage(message as Record<string, unknown>).length).toBeLessThanOrEqual(1);
  });
});

describe("formatSessionRow", () => {
  const row = (over = {}) => Object.fromEntries(formatSessionRow(summary(over), NOW).map((cell, i) => [SESSION_COLUMNS[i], cell]));

  it("formats status, id, title, agent, counts, cost, tokens and age", () => {
    expect(row()).toEqual({
      STATUS: "running",
      ID: "ses_0k3abcdefghij1234567",
      TITLE: "Write hello.txt",
      AGENT: "laptop",
      MSGS: "7",
      TOOLS: "3",
      APPR: "0",
      COST: "$0.0123",
      TOKENS: "12.3k",
      AGE: "5m",
    });
  });

  it.each([
    [
      { status: "waiting_for_approval", pendingApprovals: 2 },
      { STATUS: "needs approval", APPR: "2" },
    ],
    [{ status: "waiting_for_input" }, { STATUS: "waiting for input" }],
    [{ agentName: null }, { AGENT: "agt_00000000000000000001" }],
    [{ inputTokens: 900, outputTokens: 50 }, { TOKENS: "950" }],
    [{ inputTokens: 2_000_000, outputTokens: 500_000 }, { TOKENS: "2.5M" }],
    [{ costUsd: 0 }, { COST: "$0.0000" }],
    [{ costUsd: 1.5 }, { COST: "$1.50" }],
    [{ createdAt: NOW - 12_000 }, { AGE: "12s" }],
    [{ createdAt: NOW - 3 * 3_600_000 }, { AGE: "3h" }],
    [{ createdAt: NOW - 2 * 86_400_000 }, { AGE: "2d" }],
  ])("formats %j", (over, expected) => {
    expect(row(over)).toMatchObject(expected);
  });

  it("truncates a long title", () => {
    expect(row({ title: "x".repeat(100) }).TITLE).toHaveLength(40);
  });
});

describe("dead letters", () => {
  it("prints an event the session lost as a warning with its reason", () => {
    const lines = renderEvent(at({ type: "event-dropped" as const, eventType: "approval-request", size: 1_200_000, reason: "too large for a frame" }));
    expect(lines).toEqual([{ text: "! dropped a approval-request event (1200000 bytes): too large for a frame", tone: "warn" }]);
  });
});

describe("say what is true (tower watch)", () => {
  it("shows a tool call waiting for approval as waiting, with who may decide and when it expires", () => {
    const out = text(renderEvent(at({ type: "approval-requested", approval: approval() }), NOW));
    expect(out).toContain("waiting for approval");
    expect(out).toContain("the session's owner, a collaborator or a workspace admin may decide");
    expect(out).toContain("expires in 10m");
    // Replayed after its deadline, it does not claim time is left.
    expect(text(renderEvent(at({ type: "approval-requested", approval: approval() }), NOW + 11 * 60_000))).toContain("its deadline passed 1m ago");
  });

  it("shows an interrupted run as interrupted by whom, never with Claude Code's diagnostics", () => {
    const lines = renderEvent(at({ type: "run-ended", outcome: outcome({ kind: "interrupted", result: undefined, error: "interrupted by ann@example.com" }) }));
    expect(text(lines)).toMatch(/^■ Interrupted by ann@example\.com · \$0\.0009/);
    expect(lines.some((l) => l.tone === "error")).toBe(false);
  });

  it("drops the diagnostics from an error stored before they were filtered", () => {
    const error = "[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=tool_use";
    const out = text(renderEvent(at({ type: "run-ended", outcome: outcome({ kind: "interrupted", result: undefined, error }) })));
    expect(out).not.toContain("ede_diagnostic");
    expect(out).toMatch(/^■ Interrupted ·/);
  });
});

describe("tower show", () => {
  it("says '1 turn' for one turn and '2 turns' for two", async () => {
    const { describeSession } = await import("../../agent/cli/commands/show");
    const cost = (n: number) =>
      text(describeSession(summary({ numTurns: n }), NOW, false))
        .split("\n")
        .find((l) => l.startsWith("cost:"));
    expect(cost(1)).toMatch(/· 1 turn$/);
    expect(cost(2)).toMatch(/· 2 turns$/);
  });
});
