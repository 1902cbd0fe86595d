/** Realistic wire objects for the CLI tests: summaries, approvals and SDK messages as the protocol doc shows them. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "../../agent/cli/config";
import { runCli } from "../../agent/cli/program";
import type { Approval } from "../../worker/protocol/approval";
import type { SessionEvent } from "../../worker/protocol/events";
import type { AgentId, ApprovalId, SessionId, WorkspaceId } from "../../worker/protocol/ids";
import type { SessionSummary } from "../../worker/protocol/session";

export const SES = "ses_0k3abcdefghij1234567" as SessionId;
export const APR = "apr_0k3abcdefghij7654321" as ApprovalId;
export const NOW = 1_800_000_000_000;

export function summary(over: Partial<SessionSummary> = {}): SessionSummary {
  return {
    id: SES,
    workspaceId: "wsp_00000000000000000001" as WorkspaceId,
    agentId: "agt_00000000000000000001" as AgentId,
    agentName: "laptop",
    ownerId: "usr_00000000000000000001",
    title: "Write hello.txt",
    prompt: "Write hello.txt with the word hello",
    cwd: "/home/dev/proj",
    model: null,
    status: "running",
    statusReason: "Claude Code is working",
    archived: false,
    parentSessionId: null,
    claudeSessionId: "af84acb2-0f10-4e42-9bff-e5b877fbffbb",
    messageCount: 7,
    toolCallCount: 3,
    pendingApprovals: 0,
    costUsd: 0.0123,
    inputTokens: 10_000,
    outputTokens: 2_300,
    numTurns: 2,
    lastSeq: 9,
    result: null,
    createdAt: NOW - 5 * 60_000,
    updatedAt: NOW - 60_000,
    endedAt: null,
    ...over,
  };
}

export function approval(over: Partial<Approval> = {}): Approval {
  return {
    id: APR,
    sessionId: SES,
    toolName: "Bash",
    toolUseId: "toolu_fake_0",
    input: { command: "npm test -- --run", description: "Run the tests" },
    inputSha256: "0".repeat(64),
    status: "pending",
    createdAt: NOW - 30_000,
    expiresAt: NOW + 10 * 60_000,
    decidedAt: null,
    decidedBy: null,
    via: null,
    comment: null,
    updatedInput: null,
    ...over,
  };
}

let seq = 0;
export const at = <E extends object>(body: E) => ({ seq: ++seq, at: NOW, ...body }) as SessionEvent & E;

/** SDK messages exactly as Claude Code emits them (claude-code-protocol.md §5), trimmed. */
export const SDK = {
  init: {
    type: "system",
    subtype: "init",
    cwd: "/home/dev/proj",
    session_id: "af84acb2-0f10-4e42-9bff-e5b877fbffbb",
    tools: ["Bash", "Edit", "Read", "Write"],
    mcp_servers: [],
    model: "claude-opus-5-5",
    permissionMode: "default",
    apiKeySource: "ANTHROPIC_API_KEY",
    claude_code_version: "2.1.331",
    uuid: "f8fd742d-0000",
  },
  text: {
    type: "assistant",
    message: {
      id: "msg_fake_1",
      type: "message",
      role: "assistant",
      model: "claude-opus-5-5",
      content: [{ type: "text", text: "I will write the file." }],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      context_management: null,
    },
    parent_tool_use_id: null,
    session_id: "af84acb2-…",
    uuid: "068f7903-…",
    timestamp: "2026-11-25T06:04:26.386Z",
    request_id: "req_fake_0",
  },
  write: {
    type: "assistant",
    message: {
      id: "msg_fake_1",
      type: "message",
      role: "assistant",
      model: "claude-opus-5-5",
      content: [{ type: "tool_use", id: "toolu_fake_0", name: "Write", input: { file_path: "/home/dev/proj/hello.txt", content: "hello\n" } }],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      context_management: null,
    },
    parent_tool_use_id: null,
    session_id: "af84acb2-…",
    uuid: "fffb5049-…",
    timestamp: "2026-11-25T06:04:26.390Z",
    request_id: "req_fake_0",
  },
  writeResult: {
    type: "user",
    message: {
      role: "user",
      content: [
        {
          tool_use_id: "toolu_fake_0",
          type: "tool_result",
          content: "File created successfully at: /home/dev/proj/hello.txt (file state is current in your context — no need to Read it back)",
        },
      ],
    },
    parent_tool_use_id: null,
    session_id: "af84acb2-…",
    uuid: "501abf87-…",
    timestamp: "2026-11-25T06:04:26.531Z",
    tool_use_result: { type: "create", filePath: "/home/dev/proj/hello.txt", content: "hello\n", structuredPatch: [], originalFile: null, userModified: false },
  },
  deniedResult: {
    type: "user",
    message: { role: "user", content: [{ type: "tool_result", content: "User said no", is_error: true, tool_use_id: "toolu_fake_0" }] },
    parent_tool_use_id: null,
    session_id: "301e04e0-…",
    uuid: "e458a085-…",
    timestamp: "…",
    tool_use_result: "Error: User said no",
  },
  result: {
    duration_api_ms: 62,
    stop_reason: "end_turn",
    session_id: "af84acb2-0f10-4e42-9bff-e5b877fbffbb",
    total_cost_usd: 0.00088,
    usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 40 },
    permission_denials: [],
    terminal_reason: "completed",
    is_error: false,
    num_turns: 2,
    subtype: "success",
    result: "Done: the file was written.",
    type: "result",
    duration_ms: 269,
    uuid: "7c7b70e5-…",
  },
  streamEvent: {
    type: "stream_event",
    event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello from the fake API." } },
    session_id: "…",
    parent_tool_use_id: null,
    uuid: "…",
    api_message_id: "msg_fake_1",
  },
  apiError: {
    type: "assistant",
    message: {
      id: "28e48255-…",
      model: "<synthetic>",
      role: "assistant",
      stop_reason: "stop_sequence",
      type: "message",
      usage: {},
      content: [{ type: "text", text: "API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)" }],
      context_management: null,
    },
    parent_tool_use_id: null,
    session_id: "cc72b0e3-…",
    uuid: "…",
    timestamp: "…",
    error: "server_error",
    is_api_error_message: true,
    api_error: "connection_failed",
  },
};

export interface SentRequest {
  method: string;
  url: URL;
  body: unknown;
}

type Answer = (req: SentRequest) => { status?: number; json: unknown };
const noRequest: Answer = () => {
  throw new Error("this test must not send a request");
};

/**
 * The CLI against an in-process server, for several runs in one scratch directory: `answer` replies
 * to each request by its method and path (a request nobody answers fails the test). Output and the
 * requests sent accumulate over the runs. With `confirm` the CLI has a terminal to ask on; `asked`
 * records its questions.
 */
export function cliHarness(answer: Answer = noRequest, opts: { confirm?: (question: string) => Promise<boolean> } = {}) {
  const sent: SentRequest[] = [];
  const asked: string[] = [];
  const { confirm } = opts;
  const cwd = mkdtempSync(join(tmpdir(), "tower-cwd-"));
  const out = { stdout: "", stderr: "" };
  const ctx: CliContext = {
    io: { out: (t) => void (out.stdout += t), err: (t) => void (out.stderr += t), color: false, errColor: false },
    env: { TOWER_TOKEN: "test-token", TOWER_URL: "http://tower.test" },
    homeDir: cwd,
    cwd,
    now: () => NOW,
    async fetch(input, init) {
      const req = { method: init?.method ?? "GET", url: new URL(String(input)), body: init?.body ? JSON.parse(String(init.body)) : undefined };
      sent.push(req);
      const r = answer(req);
      return new Response(JSON.stringify(r.json), { status: r.status ?? 200, headers: { "content-type": "application/json" } });
    },
    onInterrupt: () => () => {},
    ...(confirm ? { confirm: (q: string) => (asked.push(q), confirm(q)) } : {}),
    exitCode: 0,
  };
  const run = async (...argv: string[]) => ({ code: await runCli(argv, { ctx }), ...out });
  return { run, sent, cwd, asked };
}

/** One CLI run with captured output against `answer` (see cliHarness), with `files` in its directory. */
export async function cliRun(argv: string[], answer: Answer = noRequest, opts: { files?: Record<string, string> } = {}) {
  const h = cliHarness(answer);
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(h.cwd, name), text);
  return { ...(await h.run(...argv)), sent: h.sent, cwd: h.cwd };
}

/** The error envelope the server answers with. */
export const apiError = (status: number, code: string, message: string, issues?: { path: string; message: string }[]) => ({
  status,
  json: { error: { code, message, requestId: "req_1", ...(issues ? { issues } : {}) } },
});
