/**
 * Search end to end on wrangler dev: a launched session's prompt goes through the room, the
 * local Queue and the indexer, and the real `tower search` CLI finds it (no agent needed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTower, waitUntil, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower();
});
afterAll(async () => {
  await t?.close();
});

describe("happy", () => {
  it("makes a launched session's prompt findable with `tower search`", async () => {
    const launched = await t.cli(["launch", "rebuild the quetzal cache warmer before the release", "--cwd", t.workDir, "--json"]);
    expect(launched.code, launched.stderr).toBe(0);
    let found = "";
    await waitUntil(
      async () => {
        const r = await t.cli(["search", "quetzal", "--json"]);
        found = r.stdout;
        return r.code === 0 && (JSON.parse(r.stdout) as { results: unknown[] }).results.length > 0;
      },
      30_000,
      () => `not found: ${found}\n${t.logs()}`,
    );
    const human = await t.cli(["search", "quetzal warmer", "--text"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("»quetzal«");
    const similar = await t.cli(["search", "--similar", "warm the quetzal cache", "--json"]);
    expect((JSON.parse(similar.stdout) as { sessions: { title: string }[] }).sessions[0]?.title).toContain("quetzal");
  });
});
