import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRun } from "../../agent/runner.ts";
import { LiveTextRelay } from "../../agent/daemon/live-text.ts";
import type { TextDelta } from "../../worker/protocol/agent.ts";
import { STORY, startFakeMessagesApi, type FakeMessagesApi } from "../fixtures/fake-messages-api.ts";
import { makeClaudeTestEnv, type ClaudeTestEnv } from "../fixtures/claude-test-env.ts";

let api: FakeMessagesApi;
let claudeEnv: ClaudeTestEnv;
let cwd: string;

beforeAll(async () => {
  api = await startFakeMessagesApi({});
  claudeEnv = await makeClaudeTestEnv(api.url);
  cwd = await realpath(await mkdtemp(join(tmpdir(), "tower-live-")));
});

afterAll(async () => {
  await api?.close();
  await claudeEnv?.cleanup();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

type Seen = { at: number; delta: TextDelta } | { at: number; relayed: Record<string, unknown> };

describe("live text against the real Claude Code binary", () => {
  it("relays several coalesced text deltas while Claude writes, before the final message, and relays no partial message as an event", async () => {
    const seen: Seen[] = [];
    const live = new LiveTextRelay((delta) => seen.push({ at: Date.now(), delta }));
    const handle = startRun(
      { prompt: "tell a story", cwd },
      {
        onMessage: (m) => {
          if (!live.take(m)) seen.push({ at: Date.now(), relayed: m });
        },
        askApproval: async () => ({ behavior: "deny", message: "no tools here" }),
      },
      { env: claudeEnv.env },
    );
    const outcome = await handle.done;
    live.close();
    expect(outcome.kind).toBe("success");

    const finalAt = seen.findIndex((s) => "relayed" in s && s.relayed.type === "assistant");
    expect(finalAt).toBeGreaterThan(0);
    const before = seen.slice(0, finalAt).flatMap((s) => ("delta" in s ? [s] : []));
    // The fake writes 16 deltas over 1.5 s; coalescing per 50 ms sends fewer, but several, spread over time.
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.length).toBeLessThanOrEqual(16);
    expect(before.at(-1)!.at - before[0]!.at).toBeGreaterThan(500);
    const final = seen[finalAt] as unknown as { relayed: { message: { id: string; content: { text: string }[] } } };
    expect(before.every((s) => s.delta.messageId === final.relayed.message.id)).toBe(true);
    // Each delta continues the last; together they are the start of the final text.
    let text = "";
    for (const { delta } of before) {
      expect(delta.from).toBe(text.length);
      text += delta.text;
    }
    expect(STORY.startsWith(text)).toBe(true);
    expect(final.relayed.message.content[0]!.text).toBe(STORY);
    // Nothing of a message is sent after its final copy; partial messages never become events.
    expect(seen.slice(finalAt).some((s) => "delta" in s && s.delta.messageId === final.relayed.message.id)).toBe(false);
    expect(seen.some((s) => "relayed" in s && s.relayed.type === "stream_event")).toBe(false);
  });
});
