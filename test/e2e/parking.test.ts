/**
 * Parking end to end (issue 13 §3): wrangler dev, the real agent and the real Claude Code binary on the fake
 * Messages API. A session waits for approval; the agent is stopped (SIGTERM) and the run is parked: the approval
 * stays in the inbox, the session is parked and nothing ran. A new agent starts on the same state dir; the
 * approval is decided through the API; the tool runs exactly once with the approved input, and the session ends.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTower, waitForStatus, waitUntil, type Tower } from "./harness";
import { parkedByStoppedAgent } from "./parked";

let t: Tower;
beforeAll(async () => {
  t = await startTower();
  await t.startAgent();
});
afterAll(async () => {
  await t?.close();
});

/** The tool_result blocks the model was sent for `toolUseId`, in the last request that carries any. */
function resultsFor(toolUseId: string): unknown[] {
  for (const r of [...t.api.requests].reverse()) {
    const messages = (r.body as { messages?: { content?: unknown }[] } | undefined)?.messages ?? [];
    const found = messages.flatMap((m) =>
      Array.isArray(m.content) ? m.content.filter((b: { type?: string; tool_use_id?: string }) => b.type === "tool_result" && b.tool_use_id === toolUseId) : [],
    );
    if (found.length) return found;
  }
  return [];
}

describe("parking", () => {
  it("a call waiting when the agent stops is parked, and runs once with the approved input after a new agent starts", async () => {
    const { cwd, sessionId, approvals } = await parkedByStoppedAgent(t, "parked");
    expect(approvals).toHaveLength(1);
    const [approval] = approvals;
    expect(approval).toMatchObject({ status: "pending", toolName: "Write", parked: true });
    const requestsWhileParked = t.api.requests.length;
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    await t.startAgent();
    // Nothing runs on the new agent until the decision.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(t.api.requests.length).toBe(requestsWhileParked);
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    await t.client.decide(approval!.id, { decision: "approve", inputSha256: approval!.inputSha256 });
    await waitForStatus(t, sessionId, "completed", 60_000);
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    const toolUseId = approval!.toolUseId!;
    const results = resultsFor(toolUseId);
    expect(results).toHaveLength(1);
    expect(results[0]).not.toMatchObject({ is_error: true });
    await waitUntil(
      async () => (await t.client.listApprovals({ session: sessionId })).approvals.length === 0,
      10_000,
      () => "the decided approval stayed in the inbox",
    );
  });
});
