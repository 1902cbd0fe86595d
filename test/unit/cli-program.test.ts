import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Help } from "commander";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../agent/cli/config";
import { COMMANDS, buildProgram, runCli } from "../../agent/cli/program";
import { APR, NOW, SES, approval, summary } from "./cli-fixtures";

interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

/** A CLI context with captured output and an in-process server: `answer` replies to each request. */
function harness(
  answer: (req: Sent) => { status?: number; json: unknown } = () => {
    throw new Error("this test must not send a request");
  },
) {
  const sent: Sent[] = [];
  const cwd = mkdtempSync(join(tmpdir(), "tower-cwd-"));
  const out = { stdout: "", stderr: "" };
  const ctx: CliContext = {
    io: { out: (t) => void (out.stdout += t), err: (t) => void (out.stderr += t), color: false, errColor: false },
    env: { TOWER_TOKEN: "test-token" },
    homeDir: cwd,
    cwd,
    now: () => NOW,
    async fetch(input, init) {
      const req: Sent = {
        method: init?.method ?? "GET",
        url: new URL(String(input)),
        headers: new Headers(init?.headers),
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
      };
      sent.push(req);
      const r = answer(req);
      return new Response(JSON.stringify(r.json), { status: r.status ?? 200, headers: { "content-type": "application/json" } });
    },
    onInterrupt: () => () => {},
    exitCode: 0,
  };
  const run = async (...argv: string[]) => ({ code: await runCli(argv, { ctx }), ...out });
  return { ctx, run, sent, cwd };
}

describe("usage errors exit 2 and name the flag, without any request", () => {
  it.each([
    [["launch", "do it", "--max-turns", "abc"], "--max-turns"],
    [["launch", "do it", "--max-turns", "0"], "--max-turns"],
    [["launch", "   "], "<prompt>"],
    [["launch", "do it", "--allowed-tools", ","], "--allowed-tools"],
    [["ls", "--status", "running,bogus"], "--status"],
    [["ls", "--limit", "500"], "--limit"],
    [["watch", SES, "--after", "-1"], "--after"],
    [["watch", "not-an-id"], "session-id"],
    [["approve", "ses_0k3abcdefghij1234567"], "approval-id"],
    [["approve", APR, "--input", "{not json"], "--input"],
    [["approve", APR, "--input", "[1,2]"], "--input"],
    [["approve", APR, "--input", "@missing.json"], "--input"],
    [["deny", APR], "--comment"],
    [["deny", APR, "--comment", "  "], "--comment"],
    [["ls", "--server", "localhost:8787"], "--server"],
    [["ls", "--bogus"], "--bogus"],
    [["nonsense"], "nonsense"],
  ])("%j", async (argv, flag) => {
    const { run, sent } = harness();
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stdout).toBe("");
    expect(sent).toHaveLength(0);
  });

  it("tells how to fix a deny without a comment", async () => {
    const r = await harness().run("deny", APR);
    expect(r.stderr).toContain("deny needs --comment");
    expect(r.stderr).toContain(`fix: tower deny ${APR} --comment`);
  });
});

describe("happy", () => {
  it("registers every command, the agent command, and extra commands", async () => {
    const names = (await buildProgram([new Command("extra")], harness().ctx)).commands.map((c) => c.name());
    for (const n of [
      "launch",
      "ls",
      "watch",
      "approve",
      "deny",
      "approvals",
      "interrupt",
      "continue",
      "agents",
      "show",
      "archive",
      "unarchive",
      "agent",
      "up",
      "extra",
    ]) {
      expect(names).toContain(n);
    }
  });

  it("lists each command in `tower --help` exactly as its module builds it, without loading the module", async () => {
    const ctx = harness().ctx;
    const listed = await buildProgram([], ctx, () => false);
    const whole = await buildProgram([], ctx);
    const help = new Help();
    const line = (c: Command) => [c.name(), help.subcommandTerm(c), c.description()];
    expect(listed.commands.map((c) => c.commands.length + c.options.length)).toEqual(COMMANDS.map(() => 0));
    expect(listed.commands.map((c) => [c.name(), listed.createHelp().subcommandTerm(c), c.description()])).toEqual(whole.commands.map(line));
  });

  it("shows a command's own help from `tower help <command>` and `tower <command> --help`", async () => {
    for (const argv of [
      ["help", "ls"],
      ["ls", "--help"],
    ]) {
      const r = await harness().run(...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Usage: tower ls [options]");
      expect(r.stdout).toContain("--status <s1,s2>");
    }
  });

  it("prints help and exits 0", async () => {
    const r = await harness().run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Exit codes:");
  });

  it("launches with every flag mapped onto the API body, the cwd made absolute", async () => {
    const h = harness(() => ({ json: summary({ status: "queued" }) }));
    const r = await h.run(
      "--server",
      "http://tower.test:9000",
      "launch",
      "fix",
      "the",
      "tests",
      "--cwd",
      "sub",
      "--agent",
      "laptop",
      "--model",
      "claude-opus-5-5",
      "--max-turns",
      "7",
      "--append-system-prompt",
      "be brief",
      "--allowed-tools",
      "Read, Grep",
      "--disallowed-tools",
      "Bash",
      "--add-dir",
      "/a",
      "--add-dir",
      "b",
      "--title",
      "Fix tests",
    );
    expect(r.code).toBe(0);
    expect(h.sent).toHaveLength(1);
    const req = h.sent[0]!;
    expect(`${req.method} ${req.url.origin}${req.url.pathname}`).toBe("POST http://tower.test:9000/api/sessions");
    expect(req.headers.get("authorization")).toBe("Bearer test-token");
    expect(req.body).toEqual({
      prompt: "fix the tests",
      cwd: join(h.cwd, "sub"),
      agent: "laptop",
      model: "claude-opus-5-5",
      maxTurns: 7,
      appendSystemPrompt: "be brief",
      allowedTools: ["Read", "Grep"],
      disallowedTools: ["Bash"],
      additionalDirectories: ["/a", join(h.cwd, "b")],
      title: "Fix tests",
    });
    expect(r.stdout).toContain(`launched ${SES}`);
    expect(r.stdout).toContain(`tower watch ${SES}`);
  });

  it("launches in the current directory by default and prints the session as JSON with --json", async () => {
    const h = harness(() => ({ json: summary() }));
    const r = await h.run("launch", "hi", "--json");
    expect((h.sent[0]!.body as { cwd: string }).cwd).toBe(h.cwd);
    expect(JSON.parse(r.stdout)).toEqual(summary());
  });

  it("lists sessions as a table with the filters in the query", async () => {
    const h = harness(() => ({ json: { sessions: [summary({ status: "waiting_for_approval", pendingApprovals: 1 })], nextCursor: null } }));
    const r = await h.run("ls", "--status", "running,waiting_for_approval", "--agent", "laptop", "--all", "--search", "hello", "--limit", "5");
    expect(Object.fromEntries(h.sent[0]!.url.searchParams)).toEqual({
      status: "running,waiting_for_approval",
      agent: "laptop",
      archived: "all",
      q: "hello",
      limit: "5",
    });
    const [header, row] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^STATUS\s+ID\s+TITLE/);
    expect(row).toMatch(new RegExp(`^needs approval\\s+${SES}\\s+Write hello.txt\\s+laptop\\s+7\\s+3\\s+1\\s+\\$0.0123\\s+12.3k\\s+5m$`));
  });

  it.each([
    [["--server", "http://before.test", "ls"], "http://before.test"],
    [["ls", "--server", "http://after.test"], "http://after.test"],
    [["--server", "http://before.test", "ls", "--server", "http://after.test"], "http://after.test"],
  ])("takes --server before or after the command (%j)", async (argv, origin) => {
    const h = harness(() => ({ json: { sessions: [], nextCursor: null } }));
    await h.run(...argv);
    expect(h.sent[0]!.url.origin).toBe(origin);
  });

  it("prints the raw page with ls --json", async () => {
    const page = { sessions: [summary()], nextCursor: "c1" };
    const r = await harness(() => ({ json: page })).run("ls", "--json");
    expect(JSON.parse(r.stdout)).toEqual(page);
  });

  it("approves with an edited input read from a file, naming the hash of the input it was shown", async () => {
    const shown = approval({ inputSha256: "ab".repeat(32) });
    const h = harness((req) => ({ json: req.method === "GET" ? shown : approval({ status: "approved", updatedInput: { command: "npm test" } }) }));
    writeFileSync(join(h.cwd, "input.json"), JSON.stringify({ command: "npm test" }));
    const r = await h.run("approve", APR, "--comment", "ok", "--input", "@input.json");
    expect(h.sent.map((s) => `${s.method} ${s.url.pathname}`)).toEqual([`GET /api/approvals/${APR}`, `POST /api/approvals/${APR}/decision`]);
    expect(h.sent[1]!.body).toEqual({ decision: "approve", comment: "ok", updatedInput: { command: "npm test" }, inputSha256: "ab".repeat(32) });
    expect(r.stdout).toContain(`approved ${APR}: Bash npm test`);
  });

  it("denies with the comment Claude will read, naming the hash of the input it was shown", async () => {
    const shown = approval({ inputSha256: "cd".repeat(32) });
    const h = harness((req) => ({ json: req.method === "GET" ? shown : approval({ status: "denied", comment: "use pnpm" }) }));
    const r = await h.run("deny", APR, "--comment", "use pnpm");
    expect(h.sent[1]!.body).toEqual({ decision: "deny", comment: "use pnpm", inputSha256: "cd".repeat(32) });
    expect(r.code).toBe(0);
  });

  it("exits 5 with the server's reason when the input changed since it was shown", async () => {
    const h = harness((req) =>
      req.method === "GET"
        ? { json: approval() }
        : { status: 409, json: { error: { code: "CONFLICT", message: "The input of Bash changed since you saw it", requestId: "r" } } },
    );
    const r = await h.run("approve", APR);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("changed since you saw it");
  });

  it("continues a session with a follow-up prompt", async () => {
    const h = harness(() => ({ json: summary({ status: "queued" }) }));
    await h.run("continue", SES, "now", "add", "a", "test", "--fork", "--title", "Fork");
    expect(h.sent[0]!.url.pathname).toBe(`/api/sessions/${SES}/continue`);
    expect(h.sent[0]!.body).toEqual({ prompt: "now add a test", fork: true, title: "Fork" });
  });

  it("archives and unarchives through PATCH", async () => {
    const h = harness(() => ({ json: summary() }));
    await h.run("archive", SES);
    await h.run("unarchive", SES);
    expect(h.sent.map((s) => [s.method, s.body])).toEqual([
      ["PATCH", { archived: true }],
      ["PATCH", { archived: false }],
    ]);
  });

  it("lists pending approvals with the commands to decide them", async () => {
    const h = harness((req) => (req.url.pathname === "/api/approvals" ? { json: { approvals: [approval()] } } : { json: { sessions: [], nextCursor: null } }));
    const r = await h.run("approvals", "--session", SES);
    expect(h.sent[0]!.url.searchParams.get("session")).toBe(SES);
    expect(r.stdout).toContain(APR);
    expect(r.stdout).toContain("npm test -- --run");
    expect(r.stdout).toContain("tower approve <id>");
  });
});

describe("errors", () => {
  it.each([
    [404, "NOT_FOUND", 4],
    [401, "UNAUTHORIZED", 3],
    [409, "CONFLICT", 5],
    [410, "SESSION_CLOSED", 5],
    [429, "RATE_LIMITED", 6],
    [500, "INTERNAL", 1],
  ])("exits with the code for an HTTP %i %s and prints error and fix", async (status, code, exit) => {
    const h = harness(() => ({ status, json: { error: { code, message: `it went ${code}`, requestId: "req_1" } } }));
    const r = await h.run("show", SES);
    expect(r.code).toBe(exit);
    expect(r.stderr).toMatch(new RegExp(`^error: it went ${code}\n(.|\n)*fix: `));
    expect(r.stdout).toBe("");
  });

  it("exits 3 with how to get a token when none is configured", async () => {
    const h = harness();
    h.ctx.env = {};
    const r = await h.run("ls");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("npm start");
    expect(h.sent).toHaveLength(0);
  });

  it("exits 1 when Tower cannot be reached", async () => {
    const h = harness();
    h.ctx.fetch = async () => {
      throw new TypeError("fetch failed");
    };
    const r = await h.run("agents");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("fix: start Tower with `npm start`");
  });
});
