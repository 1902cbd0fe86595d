import { mkdtemp, readFile, realpath, rm, writeFile, chmod } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRun, type ApprovalAnswer, type ApprovalAsk, type RunOptions, type RunSpec } from "../../agent/runner.ts";
import { startFakeMessagesApi, type FakeMessagesApi, type RecordedRequest } from "../fixtures/fake-messages-api.ts";
import { makeClaudeTestEnv, type ClaudeTestEnv } from "../fixtures/claude-test-env.ts";

const FAKE_CLAUDE = fileURLToPath(new URL("../fixtures/fake-claude.mjs", import.meta.url));
const REAL_CLAUDE = fileURLToPath(new URL("../../node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude", import.meta.url));

type Message = Record<string, unknown>;
type Answer = (ask: ApprovalAsk, signal: AbortSignal) => ApprovalAnswer | Promise<ApprovalAnswer>;

let api: FakeMessagesApi;
let claudeEnv: ClaudeTestEnv;
const scratch: string[] = [];

beforeAll(async () => {
  api = await startFakeMessagesApi({});
  claudeEnv = await makeClaudeTestEnv(api.url);
});

afterAll(async () => {
  await api?.close();
  await claudeEnv?.cleanup();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix = "tower-run-"): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  scratch.push(dir);
  return dir;
}

const allow: Answer = () => ({ behavior: "allow" });

function run(spec: RunSpec, answer: Answer, options: RunOptions = {}) {
  const messages: Message[] = [];
  const asks: ApprovalAsk[] = [];
  const signals: AbortSignal[] = [];
  const stderr: string[] = [];
  const handle = startRun(
    spec,
    {
      onMessage: (m) => messages.push(m),
      askApproval: async (ask, signal) => {
        asks.push(ask);
        signals.push(signal);
        return answer(ask, signal);
      },
    },
    { env: claudeEnv.env, stderr: (line) => stderr.push(line), ...options },
  );
  return { handle, messages, asks, signals, stderr };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function blocks(m: Message): Record<string, unknown>[] {
  const content = isRecord(m.message) ? m.message.content : undefined;
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function toolResults(messages: Message[]): Record<string, unknown>[] {
  return messages
    .filter((m) => m.type === "user")
    .flatMap(blocks)
    .filter((b) => b.type === "tool_result");
}

function initOf(messages: Message[]): Message | undefined {
  return messages.find((m) => m.type === "system" && m.subtype === "init");
}

/** Everything the fake API was sent for main-loop turns (requests with tools). */
function mainRequests(requests: RecordedRequest[]): Record<string, unknown>[] {
  return requests
    .map((r) => r.body)
    .filter(isRecord)
    .filter((b) => Array.isArray(b.tools) && b.tools.length > 0);
}

describe("startRun against the real Claude Code binary", () => {
  it("allow: the approved Write runs and the file is on disk", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(outcome.result).toBe("Done.");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    expect(r.asks).toHaveLength(1);
    expect(r.asks[0]).toMatchObject({ toolName: "Write", input: { file_path: join(cwd, "hello.txt"), content: "hello\n" } });
    expect(r.asks[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.asks[0]?.toolUseId).toMatch(/^toolu_/);
    expect(outcome.claudeSessionId).toBe(initOf(r.messages)?.session_id);
    expect(outcome.numTurns).toBe(2);
    expect(outcome.inputTokens).toBeGreaterThan(0);
    expect(outcome.outputTokens).toBeGreaterThan(0);
    expect(outcome.costUsd).toBeGreaterThanOrEqual(0);
  });

  it("allow with updatedInput: the file holds the host's content, not the model's", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, (ask) => ({ behavior: "allow", updatedInput: { ...ask.input, content: "edited by a human\n" } }));
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("edited by a human\n");
  });

  it("deny with a message: the tool_result is an error carrying it, the run succeeds, no file", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, () => ({ behavior: "deny", message: "Not in this repo, please" }));
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    const results = toolResults(r.messages);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ is_error: true, content: "Not in this repo, please" });
    const result = r.messages.find((m) => m.type === "result");
    expect(result?.permission_denials).toEqual([expect.objectContaining({ tool_name: "Write" })]);
  });

  it("deny with interrupt: the turn stops and the outcome is interrupted", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, () => ({ behavior: "deny", message: "Stop right there", interrupt: true }));
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("interrupted");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    expect(r.messages.at(-1)).toMatchObject({ type: "result", subtype: "error_during_execution" });
  });

  it("two tool_use blocks in one turn: two approvals are asked and both tools run", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Please run two tools", cwd }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(r.asks.map((a) => a.input.file_path).sort()).toEqual([join(cwd, "one.txt"), join(cwd, "two.txt")]);
    expect(new Set(r.asks.map((a) => a.requestId)).size).toBe(2);
    expect(new Set(r.asks.map((a) => a.toolUseId)).size).toBe(2);
    expect(await readFile(join(cwd, "one.txt"), "utf8")).toBe("one\n");
    expect(await readFile(join(cwd, "two.txt"), "utf8")).toBe("two\n");
    expect(toolResults(r.messages)).toHaveLength(2);
  });

  it("interrupt while an approval is pending: the ask's signal aborts and the outcome is interrupted", async () => {
    const cwd = await tempDir();
    let asked!: () => void;
    const pending = new Promise<void>((resolve) => (asked = resolve));
    const r = run({ prompt: "Please write hello.txt", cwd }, () => {
      asked();
      return new Promise<ApprovalAnswer>(() => {}); // a human who never answers
    });
    await pending;
    await r.handle.interrupt();
    const outcome = await r.handle.done;

    expect(r.signals[0]?.aborted).toBe(true);
    expect(outcome.kind).toBe("interrupted");
    expect(outcome.error).toBe("interrupted"); // never Claude Code's "[ede_diagnostic] …" notes
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    expect(outcome.claudeSessionId).toBe(initOf(r.messages)?.session_id);
  });

  it("abort while an approval is pending: the signal aborts, the tool never runs, the outcome is interrupted", async () => {
    const cwd = await tempDir();
    let asked!: () => void;
    const pending = new Promise<void>((resolve) => (asked = resolve));
    const r = run({ prompt: "Please write hello.txt", cwd }, () => {
      asked();
      return new Promise<ApprovalAnswer>(() => {});
    });
    await pending;
    r.handle.abort();
    const outcome = await r.handle.done;

    expect(r.signals[0]?.aborted).toBe(true);
    expect(outcome).toMatchObject({ kind: "interrupted", error: "aborted" });
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
  });

  it("interrupt while the model is still answering: the outcome is interrupted", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Be slow 20000ms", cwd }, allow);
    await expect.poll(() => initOf(r.messages), { timeout: 15_000 }).toBeTruthy();
    await r.handle.interrupt();
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("interrupted");
    expect(outcome.durationMs).toBeLessThan(15_000);
    expect(r.messages.some((m) => m.type === "assistant")).toBe(false);
  });

  it("resume: the same Claude session id, and the fake API sees the earlier conversation", async () => {
    const cwd = await tempDir();
    const first = await run({ prompt: "Please write hello.txt", cwd }, allow).handle.done;
    expect(first.kind).toBe("success");

    const before = api.requests.length;
    const r = run({ prompt: "Now just say hi", cwd, resume: first.claudeSessionId }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(outcome.result).toBe("Hi! Nothing to do.");
    expect(outcome.claudeSessionId).toBe(first.claudeSessionId);
    const sent = JSON.stringify(mainRequests(api.requests.slice(before))[0]?.messages);
    expect(sent).toContain("Please write hello.txt");
    expect(sent).toContain("File created successfully");
    expect(sent).toContain("Now just say hi");
  });

  it("fork: a new Claude session id that still carries the history", async () => {
    const cwd = await tempDir();
    const first = await run({ prompt: "Please write hello.txt", cwd }, allow).handle.done;
    expect(first.kind).toBe("success");

    const before = api.requests.length;
    const r = run({ prompt: "Forked: just say hi", cwd, resume: first.claudeSessionId, forkSession: true }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(outcome.claudeSessionId).toBeTruthy();
    expect(outcome.claudeSessionId).not.toBe(first.claudeSessionId);
    expect(initOf(r.messages)?.session_id).toBe(outcome.claudeSessionId);
    const sent = JSON.stringify(mainRequests(api.requests.slice(before))[0]?.messages);
    expect(sent).toContain("Please write hello.txt");
    expect(sent).toContain("Forked: just say hi");
  });

  it("resume of a session that does not exist: an error outcome naming it", async () => {
    const cwd = await tempDir();
    const missing = "11111111-2222-4333-8444-555555555555";
    const r = run({ prompt: "Please write hello.txt", cwd, resume: missing }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("error");
    expect(outcome.error).toContain(`No conversation found with session ID: ${missing}`);
    expect(r.asks).toHaveLength(0);
  });

  it("max turns: a run that wants more turns than allowed ends as max_turns", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Do it in three steps", cwd, maxTurns: 1 }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("max_turns");
    expect(outcome.error).toMatch(/maximum number of turns/i);
    expect(existsSync(join(cwd, "step1.txt"))).toBe(true);
    expect(existsSync(join(cwd, "step2.txt"))).toBe(false);
  });

  it("an API error (result subtype success with is_error) is an error outcome", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Trigger an api error", cwd }, allow);
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("error");
    expect(outcome.error).toMatch(/Scripted failure from the fake API/);
    expect(r.messages.at(-1)).toMatchObject({ type: "result", subtype: "success", is_error: true });
  });

  it("no credentials: the error says what a Tower user sets, not Claude Code's `/login`", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "just say hi", cwd }, allow, { env: { ...claudeEnv.env, ANTHROPIC_API_KEY: undefined } });
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("error");
    expect(outcome.error).toMatch(/Not logged in/);
    expect(outcome.error).toMatch(/ANTHROPIC_API_KEY/);
    expect(outcome.error).toMatch(/restart the agent/);
  });

  it("every message the CLI writes (apart from control frames) reaches onMessage untouched, in order", async () => {
    const cwd = await tempDir();
    const logDir = await tempDir("tower-tee-");
    const tee = join(logDir, "tee-claude.mjs");
    const log = join(logDir, "stdout.ndjson");
    // A transparent wrapper around the real binary that keeps a copy of everything it writes to stdout.
    await writeFile(
      tee,
      [
        `import { spawn } from "node:child_process";`,
        `import { createWriteStream } from "node:fs";`,
        `const log = createWriteStream(${JSON.stringify(log)});`,
        `const child = spawn(${JSON.stringify(REAL_CLAUDE)}, process.argv.slice(2), { stdio: ["pipe", "pipe", "inherit"] });`,
        `process.stdin.pipe(child.stdin);`,
        `child.stdout.on("data", (d) => { log.write(d); process.stdout.write(d); });`,
        `for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => child.kill(s));`,
        `child.on("exit", (code, signal) => log.end(() => process.exit(code ?? (signal ? 1 : 0))));`,
      ].join("\n"),
    );
    await chmod(tee, 0o755);
    const r = run({ prompt: "Please write hello.txt", cwd }, allow, { claudePath: tee });
    const outcome = await r.handle.done;
    expect(outcome.kind).toBe("success");

    const written = (await readFile(log, "utf8"))
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Message)
      .filter((m) => !String(m.type).startsWith("control_") && m.sdk_host_only !== true);
    expect(r.messages.map((m) => `${String(m.type)}/${String(m.subtype ?? "")}`)).toEqual(written.map((m) => `${String(m.type)}/${String(m.subtype ?? "")}`));
    expect(r.messages).toEqual(written);
    expect(r.messages[0]).toMatchObject({ type: "system", subtype: "init" });
    expect(r.messages.at(-1)).toMatchObject({ type: "result", subtype: "success" });
  });

  it("two sessions at once against one fake API each get their own script", async () => {
    const [cwdA, cwdB] = await Promise.all([tempDir(), tempDir()]);
    const a = run({ prompt: "Please write hello.txt", cwd: cwdA }, allow);
    const b = run({ prompt: "Please run two tools", cwd: cwdB }, allow);
    const [outA, outB] = await Promise.all([a.handle.done, b.handle.done]);

    expect([outA.kind, outB.kind]).toEqual(["success", "success"]);
    expect(outA.claudeSessionId).not.toBe(outB.claudeSessionId);
    expect(await readFile(join(cwdA, "hello.txt"), "utf8")).toBe("hello\n");
    expect(existsSync(join(cwdA, "one.txt"))).toBe(false);
    expect(await readFile(join(cwdB, "two.txt"), "utf8")).toBe("two\n");
    expect(existsSync(join(cwdB, "hello.txt"))).toBe(false);
  });

  it("an approval answered after more than a minute still lets the tool run", { timeout: 180_000 }, async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, async (_ask, signal) => {
      await new Promise((resolve) => setTimeout(resolve, 65_000));
      expect(signal.aborted).toBe(false);
      return { behavior: "allow" };
    });
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    expect(toolResults(r.messages)[0]?.is_error).toBeUndefined();
  });
});

describe("startRun against the fake claude executable (faults)", () => {
  const fake = (fault: string, extra: Record<string, string> = {}): RunOptions => ({
    claudePath: FAKE_CLAUDE,
    env: { ...claudeEnv.env, FAKE_CLAUDE_FAULT: fault, ...extra },
  });

  it("crash without a result: outcome error with the SDK's message", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "anything", cwd }, allow, fake("crash"));
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("error");
    expect(outcome.error).toMatch(/exited with code 1/);
    expect(outcome.claudeSessionId).toBe(initOf(r.messages)?.session_id);
    expect(r.messages.map((m) => m.type)).toEqual(["system", "assistant"]);
  });

  it("unknown message types and subtypes are passed to onMessage untouched", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "anything", cwd }, allow, fake("", { FAKE_CLAUDE_NOVEL: "1" }));
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(r.messages.map((m) => `${String(m.type)}/${String(m.subtype ?? "")}`)).toEqual([
      "system/init",
      "assistant/",
      "tower_novel_frame/",
      "system/tower_novel_subtype",
      "result/success",
    ]);
    expect(r.messages[2]).toMatchObject({ type: "tower_novel_frame", payload: { nested: [1, 2, 3] } });
    expect(r.messages[3]).toMatchObject({ detail: "from the future" });
  });

  it("garbage on stdout: the non-JSON lines are skipped and the run still succeeds", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "anything", cwd }, allow, fake("garbage", { FAKE_CLAUDE_TEXT: "Survived the noise." }));
    const outcome = await r.handle.done;

    expect(outcome.kind).toBe("success");
    expect(outcome.result).toBe("Survived the noise.");
    expect(r.messages.map((m) => m.type)).toEqual(["system", "assistant", "result"]);
  });

  it("hang: abort() ends the run (and a pending interrupt) and done resolves within a bounded time", async () => {
    const cwd = await tempDir();
    const r = run({ prompt: "anything", cwd }, allow, fake("hang"));
    await expect.poll(() => initOf(r.messages), { timeout: 15_000 }).toBeTruthy();
    const interrupting = r.handle.interrupt(); // the hung CLI never answers it
    const started = Date.now();
    r.handle.abort();
    const outcome = await r.handle.done;

    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(interrupting).resolves.toBeUndefined();
    expect(outcome.kind).toBe("interrupted");
    expect(outcome.error).toBe("aborted");
  });
});
