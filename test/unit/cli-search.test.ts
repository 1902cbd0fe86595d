/**
 * `tower search`: flags map onto GET /api/search (and the similar and backfill routes), results
 * print with their snippet's highlights as »« without colour, and bad flags exit 2 with no request.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../agent/cli/config";
import { runCli } from "../../agent/cli/program";
import { terminalSnippet } from "../../agent/cli/commands/search";
import { NOW, SES } from "./cli-fixtures";

interface Sent {
  method: string;
  url: URL;
  body: unknown;
}

function harness(json: unknown = { mode: "hybrid", results: [] }) {
  const sent: Sent[] = [];
  const out = { stdout: "", stderr: "" };
  const cwd = mkdtempSync(join(tmpdir(), "tower-cwd-"));
  const ctx: CliContext = {
    io: { out: (t) => void (out.stdout += t), err: (t) => void (out.stderr += t), color: false, errColor: false },
    env: { TOWER_TOKEN: "test-token" },
    homeDir: cwd,
    cwd,
    now: () => NOW,
    async fetch(input, init) {
      sent.push({ method: init?.method ?? "GET", url: new URL(String(input)), body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(json), { status: 200, headers: { "content-type": "application/json" } });
    },
    onInterrupt: () => () => {},
    exitCode: 0,
  };
  return { sent, run: async (...argv: string[]) => ({ code: await runCli(argv, { ctx }), ...out }) };
}

const result = {
  sessionId: SES,
  title: "Fix the flaky login test",
  status: "completed",
  agentName: "laptop",
  cwd: "/repo/web",
  ownerId: "usr_00000000000000000000",
  score: 0.03,
  foundBy: ["text", "semantic"],
  match: { seq: 7, kind: "assistant", toolName: null, snippet: "the <mark>login</mark> test &amp; its &lt;form&gt;", at: NOW - 60_000 },
  createdAt: NOW - 3_600_000,
  costUsd: 0.42,
};

describe("tower search", () => {
  it("sends the query, the mode and every filter", async () => {
    const h = harness();
    const r = await h.run(
      "search",
      "flaky login",
      "--text",
      "--tool",
      "Bash",
      "--status",
      "completed,failed",
      "--from",
      "2026-11-01",
      "--to",
      "2026-11-20",
      "--cwd",
      "/repo",
      "--agent",
      "laptop",
      "--limit",
      "5",
    );
    expect(r.code).toBe(0);
    expect(h.sent[0]!.url.pathname).toBe("/api/search");
    expect(Object.fromEntries(h.sent[0]!.url.searchParams)).toEqual({
      q: "flaky login",
      mode: "text",
      tool: "Bash",
      status: "completed,failed",
      from: "2026-11-01",
      to: "2026-11-20",
      cwd: "/repo",
      agent: "laptop",
      limit: "5",
    });
  });

  it("prints each result with where it matched and the highlighted snippet", async () => {
    const h = harness({ mode: "hybrid", results: [result] });
    const r = await h.run("search", "login");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SES);
    expect(r.stdout).toContain("assistant #7");
    expect(r.stdout).toContain("the »login« test & its <form>");
  });

  it("asks for similar sessions and shows what they changed", async () => {
    const h = harness({ sessions: [{ ...result, result: "done", endedAt: NOW, changedFiles: ["/repo/web/login.ts"], canContinue: true }] });
    const r = await h.run("search", "--similar", "login test keeps failing");
    expect(h.sent[0]).toMatchObject({ method: "POST", body: { prompt: "login test keeps failing" } });
    expect(h.sent[0]!.url.pathname).toBe("/api/search/similar");
    expect(r.stdout).toContain("changed: /repo/web/login.ts");
  });

  it("queues a backfill", async () => {
    const h = harness({ sessions: 3, jobs: 3 });
    const r = await h.run("search", "--backfill");
    expect(h.sent[0]).toMatchObject({ method: "POST" });
    expect(h.sent[0]!.url.pathname).toBe("/api/search/backfill");
    expect(r.stdout).toContain("queued 3 sessions");
  });

  it.each([
    [["search", "x", "--text", "--semantic"]],
    [["search", "x", "--from", "2026-13-01"]],
    [["search", "x", "--status", "done"]],
    [["search", "x", "--limit", "0"]],
    [["search"]],
  ])("refuses %j with exit 2 and no request", async (argv) => {
    const h = harness();
    const r = await h.run(...argv);
    expect(r.code).toBe(2);
    expect(h.sent).toEqual([]);
  });

  it("turns highlights into colour on a terminal", () => {
    expect(terminalSnippet("<mark>a</mark> &amp; b", true)).toBe("\x1b[1;33ma\x1b[22;39m & b");
  });
});
