import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCENARIOS, planReply, startFakeMessagesApi, type FakeScenario } from "../fixtures/fake-messages-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FAKE_API = fileURLToPath(new URL("../fixtures/fake-messages-api.ts", import.meta.url));
const tools = [{ name: "Write" }];
const env = { role: "system", content: [{ type: "text", text: "# Environment\n - Primary working directory: /work/proj\n - Platform: linux" }] };
const user = (...texts: string[]) => ({ role: "user", content: texts.map((text) => ({ type: "text", text })) });
const assistant = { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input: {} }] };
const toolResult = { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "ok" }] };

describe("the fake Messages API's script selection", () => {
  it("picks the scenario by the prompt and the turn by the assistant messages so far", () => {
    const first = planReply(
      { tools, messages: [user("<system-reminder>write hello.txt? no</system-reminder>", "Please run two tools"), env] },
      DEFAULT_SCENARIOS,
    );
    expect(first).toMatchObject({ scenario: "run two tools", index: 0 });
    expect(first.turn?.blocks).toEqual([
      { type: "tool_use", name: "Write", input: { file_path: "/work/proj/one.txt", content: "one\n" } },
      { type: "tool_use", name: "Write", input: { file_path: "/work/proj/two.txt", content: "two\n" } },
    ]);
    const after = planReply({ tools, messages: [user("Please run two tools"), env, assistant, toolResult] }, DEFAULT_SCENARIOS);
    expect(after).toMatchObject({ index: 1, turn: { blocks: [{ type: "text", text: "Done." }] } });
  });

  it("answers the latest prompt of a resumed conversation, and plain text to requests without tools", () => {
    const resumed = planReply(
      {
        tools,
        messages: [
          user("Please write hello.txt"),
          assistant,
          toolResult,
          { role: "assistant", content: [{ type: "text", text: "Done." }] },
          user("just say hi"),
        ],
      },
      DEFAULT_SCENARIOS,
    );
    expect(resumed).toMatchObject({ scenario: "just say hi", index: 0, turn: { blocks: [{ type: "text", text: "Hi! Nothing to do." }] } });
    expect(planReply({ messages: [user("Please write hello.txt")] }, DEFAULT_SCENARIOS).turn?.blocks).toEqual([{ type: "text", text: "Fake title" }]);
    expect(planReply({ tools, messages: [user("nothing scripted")] }, DEFAULT_SCENARIOS).turn?.blocks).toEqual([{ type: "text", text: "OK." }]);
    expect(planReply({ tools, messages: [user("be slow 250ms")] }, DEFAULT_SCENARIOS).turn?.delayMs).toBe(250);
  });

  it("streams SSE over HTTP, records requests and answers /health", async () => {
    const api = await startFakeMessagesApi({ scenarios: [{ match: "custom", turns: [[{ type: "text", text: "custom!" }]] }] });
    try {
      expect(await (await fetch(`${api.url}/health`)).json()).toEqual({ ok: true });
      const res = await fetch(`${api.url}/v1/messages?beta=true`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", stream: true, tools, messages: [user("a custom prompt")] }),
      });
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const events = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      expect(events).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
      expect(api.requests.at(-1)).toMatchObject({ url: "/v1/messages?beta=true", scenario: "custom", turn: 0 });
    } finally {
      await api.close();
    }
  });

  it("runs as a standalone process that prints its URL and reads scenarios from a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tower-fake-api-"));
    const scenarios: FakeScenario[] = [{ match: "from a file", turns: [[{ type: "text", text: "file scenario" }]] }];
    await writeFile(join(dir, "scenarios.json"), JSON.stringify(scenarios));
    const child = spawn(process.execPath, ["--import", "tsx", FAKE_API, "--port", "0", "--scenarios", join(dir, "scenarios.json")], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
      expect(line).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.slice("listening ".length);
      const res = await fetch(`${url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "m", tools, messages: [user("scenario from a file")] }) });
      expect(await res.json()).toMatchObject({ content: [{ type: "text", text: "file scenario" }], stop_reason: "end_turn" });
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
