import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inputSha256, type ParkedAnswer, type ParkedCall } from "../../agent/park.ts";
import { startRun, type ApprovalAnswer, type ApprovalAsk } from "../../agent/runner.ts";
import { canonicalSha256 } from "../../party/hash.ts";
import { claudeSuite } from "../fixtures/claude-suite.ts";

type Message = Record<string, unknown>;

const suite = claudeSuite("tower-park-");

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The tool_result blocks the model was sent in main-loop requests made since `from`. */
function resultsSent(from: number, toolUseId: string): Record<string, unknown>[] {
  return suite.api.requests
    .slice(from)
    .map((r) => r.body)
    .filter(isRecord)
    .filter((b) => Array.isArray(b.tools) && b.tools.length > 0)
    .map((b) => (Array.isArray(b.messages) ? b.messages.at(-1) : undefined))
    .filter(isRecord)
    .flatMap((m) => (Array.isArray(m.content) ? m.content.filter(isRecord) : []))
    .filter((c) => c.type === "tool_result" && c.tool_use_id === toolUseId);
}

function mainRequestsSince(from: number): number {
  return suite.api.requests.slice(from).filter((r) => isRecord(r.body) && Array.isArray(r.body.tools) && r.body.tools.length > 0).length;
}

/** Runs `prompt` until its one approval is asked, then parks it. */
async function parkFirstAsk(prompt: string, cwd: string) {
  const asks: ApprovalAsk[] = [];
  let asked!: () => void;
  const pending = new Promise<void>((resolve) => (asked = resolve));
  const handle = startRun(
    { prompt, cwd },
    {
      onMessage: () => {},
      askApproval: (ask) => {
        asks.push(ask);
        asked();
        return new Promise<ApprovalAnswer>(() => {}); // nobody answers while the machine is busy
      },
    },
    { env: suite.claudeEnv.env },
  );
  await pending;
  const parked = await handle.park();
  // A refused park leaves the run waiting on an answer no one gives: end it, so the test fails on the reason instead of timing out.
  if ("refused" in parked) handle.kill();
  return { parked, outcome: await handle.done, asks };
}

/** A new run, as a restarted agent starts it: only the parked record and the decision, nothing in memory. */
async function resumeDecided(parked: ParkedCall, cwd: string, answer: ApprovalAnswer, sha = parked.inputSha256) {
  const asks: ApprovalAsk[] = [];
  const messages: Message[] = [];
  const decision: ParkedAnswer = { toolUseId: parked.toolUseId, inputSha256: sha, answer };
  const handle = startRun(
    { prompt: "", cwd, resume: parked.claudeSessionId, parked: decision },
    {
      onMessage: (m) => messages.push(m),
      askApproval: async (ask) => {
        asks.push(ask);
        return { behavior: "deny", message: "nobody is asked again" };
      },
    },
    { env: suite.claudeEnv.env },
  );
  return { outcome: await handle.done, asks, messages };
}

describe("parking a call that waits for approval (real Claude Code)", () => {
  it("parks a waiting Write and, decided later in a new run, runs it once with the approved input before the model is asked again", async () => {
    const cwd = await suite.tempDir();
    const before = suite.api.requests.length;
    const { parked, outcome, asks } = await parkFirstAsk("Please write hello.txt", cwd);

    if ("refused" in parked) throw new Error(parked.refused);
    expect(parked).toMatchObject({ toolName: "Write", toolUseId: asks[0]?.toolUseId, input: { file_path: join(cwd, "hello.txt"), content: "hello\n" } });
    expect(parked.inputSha256).toBe(canonicalSha256(asks[0]?.input));
    expect(outcome).toMatchObject({ kind: "interrupted", error: "parked" });
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    expect(mainRequestsSince(before)).toBe(1);

    const resumedAt = suite.api.requests.length;
    const resumed = await resumeDecided(parked, cwd, { behavior: "allow" });

    expect(resumed.asks).toEqual([]);
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    // The first thing the model hears after the decision is the tool's result: it was not asked first.
    const first = suite.api.requests.slice(resumedAt).find((r) => isRecord(r.body) && Array.isArray(r.body.tools) && r.body.tools.length > 0);
    expect(resultsSent(suite.api.requests.indexOf(first!), parked.toolUseId).slice(0, 1)).toEqual([expect.objectContaining({ tool_use_id: parked.toolUseId })]);
    expect(resultsSent(resumedAt, parked.toolUseId)).toHaveLength(1);
    expect(resultsSent(resumedAt, parked.toolUseId)[0]?.is_error).not.toBe(true);
    expect(resumed.outcome.kind).toBe("success");
    expect(resumed.outcome.claudeSessionId).toBe(parked.claudeSessionId);
  });

  it("applies a person's edit of the input on resume", async () => {
    const cwd = await suite.tempDir();
    const { parked } = await parkFirstAsk("Please write hello.txt", cwd);
    if ("refused" in parked) throw new Error(parked.refused);
    const resumed = await resumeDecided(parked, cwd, { behavior: "allow", updatedInput: { ...parked.input, content: "edited\n" } });

    expect(resumed.outcome.kind).toBe("success");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("edited\n");
  });

  it("a deny reaches the model as the call's result and the tool never runs", async () => {
    const cwd = await suite.tempDir();
    const { parked } = await parkFirstAsk("Please write hello.txt", cwd);
    if ("refused" in parked) throw new Error(parked.refused);
    const resumedAt = suite.api.requests.length;
    const resumed = await resumeDecided(parked, cwd, { behavior: "deny", message: "Not tonight" });

    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    const sent = resultsSent(resumedAt, parked.toolUseId);
    expect(sent[0]).toMatchObject({ is_error: true });
    expect(JSON.stringify(sent[0]?.content)).toContain("Not tonight");
    expect(resumed.asks).toEqual([]);
  });

  it("refuses a decision made on another input: the call does not run", async () => {
    const cwd = await suite.tempDir();
    const { parked } = await parkFirstAsk("Please write hello.txt", cwd);
    if ("refused" in parked) throw new Error(parked.refused);
    const other = inputSha256({ ...parked.input, content: "something else\n" });
    const resumed = await resumeDecided(parked, cwd, { behavior: "allow" }, other);

    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    expect(resumed.asks).toEqual([]);
  });

  it("refuses to park a call that shares its turn with another, and the run goes on", async () => {
    const cwd = await suite.tempDir();
    const asks: ApprovalAsk[] = [];
    const resolvers: Array<(a: ApprovalAnswer) => void> = [];
    const handle = startRun(
      { prompt: "Please run two tools", cwd },
      {
        onMessage: () => {},
        askApproval: (ask) => {
          asks.push(ask);
          return new Promise<ApprovalAnswer>((resolve) => resolvers.push(resolve));
        },
      },
      { env: suite.claudeEnv.env },
    );
    await expect.poll(() => asks.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const parked = await handle.park();
    expect(parked).toMatchObject({ refused: expect.stringMatching(/only a lone|one of 2/) });
    // Answers each call as it is asked, until both were (bounded: a run that never asks again fails here).
    const allowAll = () => {
      for (const answer of resolvers.splice(0)) answer({ behavior: "allow" });
      return asks.length;
    };
    await expect.poll(allowAll, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect((await handle.done).kind).toBe("success");
    expect(existsSync(join(cwd, "one.txt")) && existsSync(join(cwd, "two.txt"))).toBe(true);
  });
});
