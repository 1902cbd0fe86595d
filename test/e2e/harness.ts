/**
 * One Tower for an end-to-end test file: wrangler dev on 127.0.0.1 with fresh local state, the fake
 * Messages API, and the real agent process (`tower agent`) running the real Claude Code binary.
 * Everything it starts it stops; every wait is bounded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WS from "ws";
import { reapGroups, signalGroup } from "../../agent/process-group";
import { applyMigrations, bootstrap, freePort, PROJECT_ROOT, startWrangler, type RunningServer } from "../../agent/up/local-server";
import { connectSession, createApiClient, type ApiClient, type Live } from "../../worker/client";
import type { SessionEvent } from "../../worker/protocol/events";
import type { ServerFrame } from "../../worker/protocol/frames";
import type { SessionStatus, SessionSummary } from "../../worker/protocol/session";
import { makeClaudeTestEnv, type ClaudeTestEnv } from "../fixtures/claude-test-env";
import { enrollMachine } from "../fixtures/enroll";
import { startFakeMessagesApi, type FakeMessagesApi } from "../fixtures/fake-messages-api";

export interface Tower {
  url: string;
  adminToken: string;
  agentToken: string;
  agentName: string;
  client: ApiClient;
  workDir: string;
  agentState: string;
  server: RunningServer;
  api: FakeMessagesApi;
  /**
   * Starts `tower agent`. Without `name` it is the bootstrap machine (and becomes `tower.agent`); with
   * one, a further machine enrolled through the device flow (an admin approves it), with its own labels.
   */
  startAgent(opts?: AgentOptions): Promise<ChildProcess>;
  /** Every agent process started with a name, by name. */
  agents: Map<string, ChildProcess>;
  /** Runs the real `tower` CLI as a child process against this server. */
  cli(
    args: string[],
    opts?: { token?: string | null; env?: Record<string, string>; onStdout?: (chunk: string) => void; signal?: AbortSignal },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The Claude Code test environment (for agents started by hand). */
  claudeEnv: Record<string, string | undefined>;
  agent: ChildProcess | null;
  restartServer(): Promise<void>;
  /** The tail of wrangler's output and the agent's, for failure messages. */
  logs(): string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
}

const TOWER_BIN = join(PROJECT_ROOT, "agent/bin/tower.mjs");

export interface AgentOptions {
  claudePath?: string;
  env?: Record<string, string>;
  name?: string;
  labels?: string[];
  capacity?: number;
  /** Where the agent dials (default: the Tower itself; a test's proxy plays a compromised server). */
  server?: string;
  /** More `tower agent` flags, e.g. `--owner-key`. */
  args?: string[];
}

export async function startTower(opts: { agentGraceSeconds?: number; approvalTimeoutSeconds?: number; vars?: Record<string, string> } = {}): Promise<Tower> {
  const root = await mkdtemp(join(tmpdir(), "tower-e2e-"));
  const persistDir = join(root, "state");
  const agentState = join(root, "agent");
  const stateDirs = new Set<string>();
  const workDir = join(root, "work");
  await mkdir(workDir, { recursive: true });
  const api = await startFakeMessagesApi({ port: 0 });
  const claude: ClaudeTestEnv = await makeClaudeTestEnv(api.url);
  applyMigrations(persistDir);
  const agentName = "e2e-machine";
  const boot = await bootstrap(persistDir, agentName);
  const port = await freePort();
  const vars = {
    AGENT_GRACE_SECONDS: String(opts.agentGraceSeconds ?? 5),
    APPROVAL_TIMEOUT_SECONDS: String(opts.approvalTimeoutSeconds ?? 3600),
    ...opts.vars,
  };
  let logs = "";
  let agentLogs = "";
  const start = () => startWrangler({ port, persistDir, vars, log: (c) => (logs = (logs + c).slice(-20_000)) });
  const tower: Tower = {
    url: `http://127.0.0.1:${port}`,
    adminToken: boot.adminToken!,
    agentToken: boot.agentToken!,
    agentName,
    client: createApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: boot.adminToken! }),
    workDir,
    agentState,
    claudeEnv: claude.env,
    server: await start(),
    api,
    agent: null,
    logs: () => `--- wrangler ---\n${logs}\n--- agent ---\n${agentLogs}`,
    agents: new Map(),
    async startAgent(opts = {}) {
      const named = opts.name !== undefined;
      const token = named ? await enrollMachine(tower.client, opts.name!) : tower.agentToken;
      const args = [
        TOWER_BIN,
        "agent",
        "--server",
        opts.server ?? tower.url,
        "--token",
        token,
        "--name",
        opts.name ?? agentName,
        "--state-dir",
        named ? join(root, `agent-${opts.name}`) : agentState,
      ];
      if (opts.claudePath) args.push("--claude-path", opts.claudePath);
      if (opts.labels?.length) args.push("--labels", opts.labels.join(","));
      if (opts.capacity !== undefined) args.push("--capacity", String(opts.capacity));
      if (opts.args) args.push(...opts.args);
      const child = spawn(process.execPath, args, {
        cwd: workDir,
        env: withoutUndefined({ ...process.env, ...claude.env, ...opts.env }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      const collect = (d: Buffer) => {
        out += d.toString();
        agentLogs = (agentLogs + d.toString()).slice(-20_000);
      };
      child.stdout?.on("data", collect);
      child.stderr?.on("data", collect);
      stateDirs.add(args[args.indexOf("--state-dir") + 1]!);
      if (named) tower.agents.set(opts.name!, child);
      else tower.agent = child;
      await waitUntil(
        () => {
          if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${out}`);
          return out.includes("connected to");
        },
        30_000,
        () => `agent did not connect:\n${out}`,
      );
      return child;
    },
    cli(args, opts = {}) {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [TOWER_BIN, ...args], {
          cwd: workDir,
          env: {
            ...withoutUndefined({ ...process.env, ...claude.env }),
            TOWER_URL: tower.url,
            ...(opts.token === null ? {} : { TOWER_TOKEN: opts.token ?? tower.adminToken }),
            TOWER_CONFIG: join(root, "no-config.json"),
            NO_COLOR: "1",
            ...opts.env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (d: Buffer) => {
          stdout += d.toString();
          opts.onStdout?.(d.toString());
        });
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        opts.signal?.addEventListener("abort", () => child.kill("SIGTERM"));
        child.on("exit", (code) => {
          clearTimeout(killer);
          resolve({ code, stdout, stderr });
        });
      });
    },
    async stopServer() {
      await tower.server.stop();
    },
    async startServer() {
      tower.server = await start();
    },
    async restartServer() {
      await tower.stopServer();
      await tower.startServer();
    },
    async close() {
      // A child killed by a signal has exitCode null and its signalCode set: it has already exited.
      const agents = [tower.agent, ...tower.agents.values()].filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
      await Promise.all(agents.map((c) => new Promise((exited) => c.once("exit", exited).kill("SIGKILL"))));
      // A killed agent leaves its runs' Claude Code groups alive (they write into the Claude home until
      // they go): kill them the way the next agent on the same state dir would, before removing anything.
      for (const dir of stateDirs) await killRecordedGroups(join(dir, "pids"));
      await tower.server.stop();
      await api.close();
      await claude.cleanup();
      await rm(root, { recursive: true, force: true, maxRetries: 5 });
    },
  };
  return tower;
}

/**
 * Kills every run group recorded under `pidDir` and gives them a moment to go. Best effort: where pid 1
 * does not reap orphans a killed leader stays a zombie, which kill(0) still finds but which writes nothing.
 */
async function killRecordedGroups(pidDir: string): Promise<void> {
  const groups = reapGroups(pidDir).filter((r) => r.killed);
  await waitUntil(() => groups.every((g) => !signalGroup(g.pgid, 0)), 2_000).catch(() => {});
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function waitUntil(pred: () => boolean | Promise<boolean>, ms: number, why: () => string = () => "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for the session to reach `status` (read from the API), and returns it. */
export async function waitForStatus(t: Tower, id: string, status: SessionStatus, ms = 45_000): Promise<SessionSummary> {
  let last: SessionSummary | null = null;
  await waitUntil(
    async () => {
      last = await t.client.getSession(id);
      return last.status === status;
    },
    ms,
    () => `session ${id} is ${last?.status} (${last?.statusReason}), not ${status}`,
  );
  return last!;
}

/** An authenticated `ws` class for Node viewers. */
export function authedWs(token: string) {
  return class extends WS {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer ${token}` } });
    }
  };
}

export interface Viewer {
  live: Live;
  events: SessionEvent[];
  frames: ServerFrame[];
  waitFor(pred: (e: SessionEvent) => boolean, ms?: number): Promise<SessionEvent>;
}

export function watch(t: Tower, sessionId: string): Viewer {
  const events: SessionEvent[] = [];
  const frames: ServerFrame[] = [];
  const live = connectSession({
    baseUrl: t.url,
    sessionId,
    WebSocket: authedWs(t.adminToken),
    onFrame: (f) => {
      frames.push(f);
      if (f.type === "events") events.push(...f.events);
    },
  });
  return {
    live,
    events,
    frames,
    async waitFor(pred, ms = 45_000) {
      await waitUntil(
        () => events.some(pred),
        ms,
        () => `no matching event; saw ${events.map((e) => e.type).join(", ")}`,
      );
      return events.find(pred)!;
    },
  };
}
