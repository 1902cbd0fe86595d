import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { claudeAuthSource, explainClaudeError } from "../../agent/claude-auth";
import { buildProgram } from "../../agent/cli/program";
import { onStopSignals } from "../../agent/daemon/clean-stop";
import { upCommand, upSettings, type UpOptions } from "../../agent/up/command";
import { firstRunLines, scratchDir } from "../../agent/up/first-run";

/** Parses `tower up` flags exactly as the CLI does, without starting anything. */
function parseUp(argv: string[]): UpOptions {
  const cmd = upCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.action(() => {});
  cmd.parse(argv, { from: "user" });
  return cmd.opts<UpOptions>();
}

describe("tower up (npm start)", () => {
  it("gives its own agent --claude-path and --capacity, and the Worker the approval timeout", () => {
    const s = upSettings(parseUp(["--claude-path", "bin/claude", "--capacity", "2", "--approval-timeout", "90"]));
    expect(s).toEqual({ vars: { APPROVAL_TIMEOUT_SECONDS: "90" }, run: { claudePath: resolve("bin/claude") }, capacity: 2 });
  });

  it("keeps the defaults without flags: wrangler.toml's timeout, the bundled Claude Code, capacity 4", () => {
    expect(upSettings(parseUp([]))).toEqual({ vars: {}, run: {}, capacity: 4 });
  });

  it("refuses a timeout or capacity that is not a whole number in range", () => {
    expect(() => parseUp(["--approval-timeout", "0"])).toThrow(/--approval-timeout must be a whole number/);
    expect(() => parseUp(["--capacity", "1.5"])).toThrow(/--capacity must be a whole number/);
  });
});

describe("first run (what npm start prints)", () => {
  const base = {
    url: "http://127.0.0.1:8787",
    adminToken: "tower_abc",
    wroteCliConfig: "/home/u/.config/tower/config.json",
    browserToken: "tower_abc",
    claudeAuth: "ANTHROPIC_API_KEY",
    agent: true,
    scratchDir: "/repo/.tower/scratch",
  };

  it("suggests a first session in a scratch directory, not Tower's own tree", () => {
    const text = firstRunLines(base).join("\n");
    expect(text).toContain("--cwd /repo/.tower/scratch");
    expect(text).not.toContain("--cwd .");
    expect(text).toContain("http://127.0.0.1:8787/signin#token=tower_abc");
  });

  it("makes the scratch directory under the state dir", () => {
    const state = mkdtempSync(join(tmpdir(), "tower-state-"));
    const dir = scratchDir(state);
    expect(dir).toBe(join(state, "scratch"));
    expect(existsSync(dir)).toBe(true);
  });

  it("says exactly what to set when Claude Code has no credentials", () => {
    const text = firstRunLines({ ...base, claudeAuth: null }).join("\n");
    expect(text).toContain("Claude Code has no credentials");
    expect(text).toContain("ANTHROPIC_API_KEY");
    expect(text).toContain("/login");
  });

  it("names a command that exists when it has no token for the browser", async () => {
    const text = firstRunLines({ ...base, adminToken: undefined, browserToken: undefined }).join("\n");
    const named = /npm run tower -- (tokens create [\w-]+)/.exec(text)?.[1];
    expect(named).toBeDefined();
    const program = await buildProgram();
    const tokens = program.commands.find((c) => c.name() === "tokens");
    expect(tokens?.commands.map((c) => c.name())).toContain("create");
  });
});

describe("Claude Code's credentials, found without the network", () => {
  const home = () => mkdtempSync(join(tmpdir(), "tower-home-"));

  it("takes a key or token from the environment", () => {
    expect(claudeAuthSource({ ANTHROPIC_API_KEY: "sk-ant-x" }, home(), "linux")).toBe("ANTHROPIC_API_KEY");
    expect(claudeAuthSource({ ANTHROPIC_AUTH_TOKEN: "t" }, home(), "linux")).toBe("ANTHROPIC_AUTH_TOKEN");
    expect(claudeAuthSource({ CLAUDE_CODE_USE_BEDROCK: "1" }, home(), "linux")).toBe("CLAUDE_CODE_USE_BEDROCK");
  });

  it("finds the login `/login` saved, in CLAUDE_CONFIG_DIR or ~/.claude", () => {
    const h = home();
    expect(claudeAuthSource({}, h, "linux")).toBeNull();
    mkdirSync(join(h, ".claude"));
    writeFileSync(join(h, ".claude", ".credentials.json"), JSON.stringify({ claudeAiOauth: { accessToken: "sk-ant-oat-x" } }));
    expect(claudeAuthSource({}, h, "linux")).toContain(".credentials.json");
    expect(claudeAuthSource({ CLAUDE_CONFIG_DIR: join(h, "elsewhere") }, h, "linux")).toBeNull();
  });

  it("counts no login from a credentials file that holds none", () => {
    const h = home();
    mkdirSync(join(h, ".claude"));
    for (const text of ["null", "{", '{"claudeAiOauth":{"accessToken":""}}', '{"claudeAiOauth":null}', "[]"]) {
      writeFileSync(join(h, ".claude", ".credentials.json"), text);
      expect(claudeAuthSource({}, h, "linux"), text).toBeNull();
    }
  });

  it("does not count an apiKeyHelper in the user's settings, which the agent does not load", () => {
    const h = home();
    mkdirSync(join(h, ".claude"));
    writeFileSync(join(h, ".claude", "settings.json"), JSON.stringify({ apiKeyHelper: "echo sk" }));
    expect(claudeAuthSource({}, h, "linux")).toBeNull();
  });

  it("explains Claude Code's `Not logged in` in Tower's terms and leaves other errors alone", () => {
    expect(explainClaudeError("Not logged in · Please run /login")).toMatch(/ANTHROPIC_API_KEY/);
    expect(explainClaudeError("Scripted failure")).toBe("Scripted failure");
  });
});

describe("Ctrl-C on npm start or tower agent", () => {
  function fakeProcess() {
    const proc = Object.assign(new EventEmitter(), { exits: [] as number[], exit: (code: number) => void proc.exits.push(code) });
    return proc;
  }

  it("says what happens, stops everything, then exits 0; a second Ctrl-C quits at once with 130", async () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    let release = () => {};
    onStopSignals(
      proc,
      (l) => lines.push(l),
      () => new Promise<void>((r) => (release = r)),
      () => 2,
    );
    proc.emit("SIGINT");
    expect(lines[0]).toMatch(/^SIGINT: stopping 2 run\(s\): a run waiting for approval is parked/);
    expect(proc.exits).toEqual([]);
    proc.emit("SIGINT");
    expect(proc.exits).toEqual([130]);
    release();
    await new Promise((r) => setImmediate(r));
    expect(proc.exits).toEqual([130, 0]);
  });

  it("prints a rejection nobody awaited (the SDK's closing query) as one line, not a crash with its source", () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    onStopSignals(
      proc,
      (l) => lines.push(l),
      async () => {},
      () => 0,
    );
    proc.emit("unhandledRejection", new Error("Query closed before response received\n    at WD (sdk.mjs:1:99999)"));
    expect(lines).toEqual(["a late error nobody waited for: Query closed before response received"]);
    expect(proc.exits).toEqual([]);
  });
});
