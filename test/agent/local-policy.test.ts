import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLocalPolicy, type LocalPolicy } from "../../agent/local-policy.ts";
import { startRun, type ApprovalAnswer, type ApprovalAsk, type RunSpec } from "../../agent/runner.ts";
import { claudeSuite } from "../fixtures/claude-suite.ts";

const suite = claudeSuite("tower-local-policy-");

const POLICY = `# this machine's owner: never write hello.txt here
rules:
  - id: no-hello
    decision: deny
    tool: Write
    path: hello.txt
    message: Not on this machine.
`;

async function policy(text = POLICY): Promise<LocalPolicy> {
  const file = join(await suite.tempDir(), "deny-rules.yaml");
  await writeFile(file, text);
  return loadLocalPolicy(file, "laptop", true)!;
}

/** Runs the real binary with the server's answer `allow`: whatever it says, the local policy must hold. */
function run(spec: RunSpec, localPolicy: LocalPolicy | undefined) {
  const messages: Record<string, unknown>[] = [];
  const asks: ApprovalAsk[] = [];
  const handle = startRun(
    spec,
    {
      onMessage: (m) => messages.push(m),
      askApproval: async (ask): Promise<ApprovalAnswer> => {
        asks.push(ask);
        return { behavior: "allow" };
      },
    },
    { env: suite.claudeEnv.env, ...(localPolicy ? { localPolicy } : {}) },
  );
  return { handle, messages, asks };
}

function toolResults(messages: Record<string, unknown>[]): Record<string, unknown>[] {
  return messages
    .filter((m) => m.type === "user")
    .flatMap((m) => {
      const content = (m.message as { content?: unknown } | undefined)?.content;
      return Array.isArray(content) ? (content as Record<string, unknown>[]) : [];
    })
    .filter((b) => b.type === "tool_result");
}

describe("happy", () => {
  it("a call the machine's local policy denies never runs and never reaches the server, and Claude reads why", async () => {
    const cwd = await suite.tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, await policy());
    expect((await r.handle.done).kind).toBe("success");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    expect(r.asks).toEqual([]);
    const [result] = toolResults(r.messages);
    expect(result).toMatchObject({ is_error: true });
    expect(String(result?.content)).toContain("Not on this machine.");
    expect(String(result?.content)).toContain("local policy");
  });

  it("holds even when the server's launch allows the tool outright (allowedTools: no ask at all)", async () => {
    const cwd = await suite.tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd, allowedTools: ["Write"] }, await policy());
    await r.handle.done;
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
    expect(String(toolResults(r.messages)[0]?.content)).toContain("Not on this machine.");
  });

  it("a call it does not deny is asked of the server as before and runs when allowed", async () => {
    const cwd = await suite.tempDir();
    const r = run({ prompt: "Please write hello.txt", cwd }, await policy(POLICY.replace("path: hello.txt", "path: other.txt")));
    expect((await r.handle.done).kind).toBe("success");
    expect(r.asks).toHaveLength(1);
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
  });
});

describe("errors", () => {
  it("a bad policy file is refused with the line and column of each error", async () => {
    await expect(policy("rules:\n  - id: x\n    decision: allow\n    tool: Bash\n")).rejects.toThrow(
      /deny-rules\.yaml is not a valid deny policy:\n {2}line 3, column 5: rules\.0\.decision: a machine policy only denies/,
    );
    await expect(policy("rules: [\n")).rejects.toThrow(/line \d+, column \d+: .*fix the YAML syntax here/);
  });

  it("a missing file is no policy, unless it was named explicitly", async () => {
    const dir = await suite.tempDir();
    expect(loadLocalPolicy(join(dir, "deny-rules.yaml"), "laptop")).toBeNull();
    expect(() => loadLocalPolicy(join(dir, "deny-rules.yaml"), "laptop", true)).toThrow(/no such file/);
  });
});
