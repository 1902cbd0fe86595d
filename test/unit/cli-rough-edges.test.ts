/**
 * The CLI as a new user meets it (issue 12, "CLI rough edges"): messages that reach the screen, fix
 * hints that name the thing the command was about, every schema error with its position, and lists
 * that say what a human needs (titles, machines, one actor format, what a viewer may do).
 */
import { describe, expect, it } from "vitest";
import type { RunView } from "../../worker/protocol/pipelines";
import { APR, NOW, SES, apiError, approval, cliRun, summary } from "./cli-fixtures";

describe("messages reach the screen", () => {
  it("tells what to type when `tower search` has no words, exit 2, no request", async () => {
    const r = await cliRun(["search"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give the words to search for, e.g. tower search "flaky login test"');
    expect(r.sent).toHaveLength(0);
  });

  it("says so before asking for a token it does not need yet", async () => {
    const { runCli } = await import("../../agent/cli/program");
    let stderr = "";
    const code = await runCli(["search"], {
      ctx: {
        io: { out: () => {}, err: (t) => void (stderr += t), color: false, errColor: false },
        env: {},
        homeDir: "/nonexistent",
        cwd: "/",
        now: () => NOW,
        onInterrupt: () => () => {},
        exitCode: 0,
      },
    });
    expect(code).toBe(2);
    expect(stderr).toContain("no words to search for");
  });
});

describe("fix hints name what the command was about", () => {
  it.each([
    [["template", "show", "nope"], "tower template ls"],
    [["template", "export", "nope@2"], "tower template ls"],
    [["launch", "--template", "nope"], "tower template ls"],
    [["launch", "do it", "--agent", "ghost"], "tower agents"],
    [["join", "http://tower.test/join#inv_abc", "--name", "N", "--email", "n@example.com"], "invitation"],
    [["pipeline", "show", "run_00000000000000000009"], "tower pipeline ls"],
    [["approve", APR], "tower approvals"],
  ])("%j: a 404 points at the right list", async (argv, hint) => {
    const r = await cliRun(argv, () => apiError(404, "NOT_FOUND", "not found"));
    expect(r.code).toBe(4);
    const fix = r.stderr.split("\n").find((l) => l.startsWith("fix:"));
    expect(fix).toContain(hint);
    expect(fix).not.toContain("tower ls");
  });

  it("fills the session id into a hint about that session", async () => {
    const r = await cliRun(["interrupt", SES], () => apiError(409, "CONFLICT", "the session changed"));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`tower show ${SES}`);
    expect(r.stderr).not.toContain("<session-id>");
  });

  it("names the command whose --help to read, not a literal `<command>`", async () => {
    const r = await cliRun(["template", "import", "t.yaml"], () => apiError(400, "BAD_REQUEST", "bad"), { files: { "t.yaml": "name: t\n" } });
    expect(r.stderr).toContain("tower template import --help");
    expect(r.stderr).not.toContain("<command>");
  });

  it("prints each template parameter error once", async () => {
    const issues = [
      { path: "params.test", message: 'parameter "test" is required' },
      { path: "params.tries", message: 'parameter "tries" must be a number, not "x"' },
    ];
    const r = await cliRun(["launch", "--template", "fix", "--param", "tries=x"], () =>
      apiError(400, "BAD_REQUEST", issues.map((i) => i.message).join("; "), issues),
    );
    expect(r.code).toBe(2);
    for (const i of issues) expect(r.stderr.split(i.message).length - 1).toBe(1);
  });
});

describe("templates", () => {
  it("exports with --json, as every command does", async () => {
    const r = await cliRun(["template", "export", "fix@1", "--json"], () => ({ json: { name: "fix", version: 1, yaml: "name: fix\n" } }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: "fix", version: 1, yaml: "name: fix\n" });
    expect(r.sent[0]!.url.search).toBe("?version=1");
  });

  it("names the full command in a usage error's help hint", async () => {
    const r = await cliRun(["template", "export", "fix", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("tower template export --help");
  });
});

const STEP: RunView["steps"][number] = {
  id: "build",
  name: "build",
  needs: [],
  status: "running",
  statusReason: "the session is running",
  attempts: 1,
  maxAttempts: 1,
  sessionId: SES,
  sessionIds: [SES],
  agentId: "agt_1",
  agentName: "linux-box",
  selector: [],
  template: null,
  result: null,
  costUsd: 0,
  readyAt: NOW,
  startedAt: NOW,
  endedAt: null,
};
const RUN: RunView = {
  id: "run_00000000000000000001",
  workspaceId: "wsp_00000000000000000001",
  name: "one",
  status: "running",
  statusReason: "1 running",
  createdBy: "usr_1",
  params: {},
  costUsd: 0,
  createdAt: NOW,
  updatedAt: NOW,
  endedAt: null,
  steps: [STEP, { ...STEP, id: "lint", name: "lint", sessionId: "ses_0k3abcdefghij0000000", sessionIds: ["ses_0k3abcdefghij0000000"] }],
};

describe("pipelines", () => {
  it("shows every schema error of a pipeline file, each with its line and column", async () => {
    // What the server answers for a file with three schema errors (worker/routes/pipelines.ts).
    const issues = [
      { path: "steps.build.prompt", message: "line 4, column 5: steps.build.prompt: Invalid input: expected string, received number" },
      { path: "steps.build", message: 'line 3, column 3: steps.build: Unrecognized key: "bogus"' },
      { path: "steps.test", message: "line 6, column 3: steps.test: give a step either template or prompt (one of them)" },
    ];
    const r = await cliRun(
      ["pipeline", "run", "p.yaml"],
      () => apiError(400, "BAD_REQUEST", `The pipeline file is invalid: ${issues[0]!.message} (and 2 more)`, issues),
      {
        files: { "p.yaml": "x" },
      },
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe("error: The pipeline file is invalid (3 problems):");
    expect(lines).toContain("  line 4, column 5: steps.build.prompt: Invalid input: expected string, received number");
    expect(lines).toContain('  line 3, column 3: steps.build: Unrecognized key: "bogus"');
    expect(lines).toContain("  line 6, column 3: steps.test: give a step either template or prompt (one of them)");
    expect(r.stderr).not.toContain("and 2 more");
  });

  it("says a running step's session waits for approval", async () => {
    const r = await cliRun(["pipeline", "show", RUN.id], (req) =>
      req.url.pathname === "/api/sessions"
        ? { json: { sessions: [summary({ status: "waiting_for_approval", pendingApprovals: 1 })], nextCursor: null } }
        : { json: RUN },
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.find((l) => l.includes(" build "))).toMatch(/^waiting for approval\s+build/);
    expect(lines.find((l) => l.includes(" lint "))).toMatch(/^running\s+lint/);
  });
});

describe("lists say what a human needs", () => {
  it("shows each approval's session title and machine", async () => {
    const r = await cliRun(["approvals"], (req) =>
      req.url.pathname === "/api/approvals"
        ? { json: { approvals: [approval()] } }
        : { json: { sessions: [summary({ status: "waiting_for_approval", title: "Write hello.txt", agentName: "laptop" })], nextCursor: null } },
    );
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.split("\n");
    expect(header).toMatch(/SESSION\s+MACHINE/);
    expect(row).toContain("Write hello.txt");
    expect(row).toContain("laptop");
  });

  it("shows the audit log's actors in one format", async () => {
    const entry = { seq: 1, at: NOW, actorKind: "user", via: "human", action: "a", target: "t", details: {}, prevHash: "", hash: "" };
    const r = await cliRun(["audit"], () => ({
      json: {
        entries: [
          { ...entry, actor: "admin (usr_00000000000000000001)" },
          { ...entry, seq: 2, actor: "admin" },
        ],
      },
    }));
    const actors = r.stdout
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((l) => l.trim().split(/\s{2,}/)[2]);
    expect(actors).toEqual(["admin", "admin"]);
  });

  it("tells a viewer with no sessions what a viewer can do, not to launch", async () => {
    const r = await cliRun(["ls"], (req) =>
      req.url.pathname === "/api/me"
        ? { json: { user: { id: "usr_1", name: "V", email: null }, workspaceId: "wsp_1", role: "viewer", scopes: ["read"], workspaces: [] } }
        : { json: { sessions: [], nextCursor: null } },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("tower launch");
    expect(r.stdout).toContain("viewer");
  });

  it("still suggests a launch to a member with no sessions", async () => {
    const r = await cliRun(["ls"], (req) =>
      req.url.pathname === "/api/me"
        ? { json: { user: { id: "usr_1", name: "M", email: null }, workspaceId: "wsp_1", role: "member", scopes: ["*"], workspaces: [] } }
        : { json: { sessions: [], nextCursor: null } },
    );
    expect(r.stdout).toContain("tower launch");
  });
});

const TOKEN = {
  id: "tok_1",
  kind: "user",
  name: "ci",
  subject: "admin",
  userId: "usr_1",
  agentId: null,
  scopes: ["read"],
  createdAt: NOW - 60_000,
  expiresAt: NOW + 90 * 86_400_000,
  revokedAt: null,
  rotatedFrom: null,
};

describe("tower tokens", () => {
  it("creates a token with scopes and expiry, printing the secret once", async () => {
    const r = await cliRun(["tokens", "create", "ci", "--scopes", "read", "--expires-in-days", "30"], () => ({
      status: 201,
      json: { token: "tower_secret", info: TOKEN },
    }));
    expect(r.code).toBe(0);
    expect(r.sent[0]).toMatchObject({ method: "POST", body: { name: "ci", scopes: ["read"], expiresInDays: 30 } });
    expect(r.sent[0]!.url.pathname).toBe("/api/tokens");
    expect(r.stdout).toContain("tower_secret");
  });

  it("lists tokens, as JSON too", async () => {
    const human = await cliRun(["tokens", "ls"], () => ({ json: { tokens: [TOKEN] } }));
    expect(human.stdout).toMatch(/tok_1\s+ci/);
    const json = await cliRun(["tokens", "ls", "--json"], () => ({ json: { tokens: [TOKEN] } }));
    expect(JSON.parse(json.stdout)).toEqual({ tokens: [TOKEN] });
  });

  it("revokes and rotates by id", async () => {
    const revoked = await cliRun(["tokens", "revoke", "tok_1"], () => ({ json: { ...TOKEN, revokedAt: NOW } }));
    expect(revoked.sent[0]).toMatchObject({ method: "DELETE" });
    expect(revoked.sent[0]!.url.pathname).toBe("/api/tokens/tok_1");
    const rotated = await cliRun(["tokens", "rotate", "tok_1", "--json"], () => ({ json: { token: "tower_new", info: { ...TOKEN, id: "tok_2" } } }));
    expect(rotated.sent[0]!.url.pathname).toBe("/api/tokens/tok_1/rotate");
    expect(JSON.parse(rotated.stdout)).toMatchObject({ token: "tower_new" });
  });

  it("refuses an unknown scope without a request", async () => {
    const r = await cliRun(["tokens", "create", "ci", "--scopes", "root"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--scopes");
    expect(r.sent).toHaveLength(0);
  });
});
