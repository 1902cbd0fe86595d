/**
 * Tower on this machine: applies D1 migrations, creates the first workspace with an admin token
 * and a token for the local agent (stored hashed; shown once), and runs `wrangler dev` on
 * loopback. Used by `npm start` and by the end-to-end tests, so both exercise the same path.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { z } from "zod";
import { newId } from "../../worker/protocol/ids";
import { hashToken, mintToken } from "../../worker/protocol/tokens";
import { ensureWebBuilt } from "./web-build";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");

/** Wrangler must never reach the network: no metrics, no Request.cf fetch, no update check. */
export const OFFLINE_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };

function wrangler(args: string[]): string {
  const r = spawnSync(WRANGLER, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...OFFLINE_ENV, CI: "true" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

export function applyMigrations(persistDir: string): void {
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
}

const D1Result = z.array(z.object({ results: z.array(z.record(z.string(), z.unknown())) }));

export function d1(persistDir: string, sql: string): Record<string, unknown>[] {
  const out = wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--command", sql]);
  return D1Result.parse(JSON.parse(out)).flatMap((r) => r.results);
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

export interface Bootstrap {
  workspaceId: string;
  /** Present only when this call created them: they are never stored in clear. */
  adminToken?: string;
  agentToken?: string;
  agentName: string;
}

/** Creates the default workspace, an admin token and the local agent's token, once. */
export async function bootstrap(persistDir: string, agentName: string): Promise<Bootstrap> {
  const existing = d1(persistDir, "SELECT id FROM workspaces ORDER BY created_at LIMIT 1")[0];
  if (existing) return { workspaceId: String(existing.id), agentName };
  const now = Date.now();
  const workspaceId = newId("wsp");
  const agentId = newId("agt");
  const adminId = newId("usr");
  const adminToken = mintToken();
  const agentToken = mintToken();
  d1(
    persistDir,
    [
      `INSERT INTO workspaces (id, name, created_at) VALUES (${lit(workspaceId)}, 'default', ${now})`,
      `INSERT INTO users (id, email, name, created_at) VALUES (${lit(adminId)}, NULL, 'admin', ${now})`,
      `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (${lit(workspaceId)}, ${lit(adminId)}, 'owner', ${now})`,
      `INSERT INTO api_tokens (id, workspace_id, kind, name, subject, user_id, token_hash, created_at) VALUES (${lit(newId("tok"))}, ${lit(workspaceId)}, 'user', 'admin (bootstrap)', 'admin', ${lit(adminId)}, ${lit(await hashToken(adminToken))}, ${now})`,
      `INSERT INTO agents (id, workspace_id, name, owner_id, created_at) VALUES (${lit(agentId)}, ${lit(workspaceId)}, ${lit(agentName)}, ${lit(adminId)}, ${now})`,
      `INSERT INTO api_tokens (id, workspace_id, kind, name, subject, agent_id, token_hash, created_at) VALUES (${lit(newId("tok"))}, ${lit(workspaceId)}, 'agent', ${lit(agentName)}, ${lit(`agent:${agentName}`)}, ${lit(agentId)}, ${lit(await hashToken(agentToken))}, ${now})`,
    ].join("; "),
  );
  return { workspaceId, adminToken, agentToken, agentName };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Synchronous last resort (for `process.on("exit")`): signals the whole group and returns. */
  kill(): void;
}

/**
 * Starts `wrangler dev` on 127.0.0.1 and resolves once it answers HTTP. A start that dies at once
 * (seen when a previous instance is still letting go of its ports) is retried twice; a final failure
 * carries the tail of wrangler's output.
 */
export async function startWrangler(opts: {
  port: number;
  persistDir: string;
  vars?: Record<string, string>;
  log?: (chunk: string) => void;
  /** A fixed port for workerd's inspector (the bench's profiler attaches there); a free one otherwise. */
  inspectorPort?: number;
}): Promise<RunningServer> {
  ensureWebBuilt(PROJECT_ROOT);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof EarlyExit)) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

class EarlyExit extends Error {}

async function startOnce(opts: {
  port: number;
  persistDir: string;
  vars?: Record<string, string>;
  log?: (chunk: string) => void;
  inspectorPort?: number;
}): Promise<RunningServer> {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--persist-to", opts.persistDir];
  args.push("--inspector-port", String(opts.inspectorPort ?? (await freePort())), "--show-interactive-dev-session=false", "--log-level", "warn");
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  // Its own process group, so stopping it also stops workerd (killing only the pid would leave workerd running).
  const child = spawn(WRANGLER, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...OFFLINE_ENV }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  const collect = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
    opts.log?.(d.toString());
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new EarlyExit(`wrangler dev exited with code ${child.exitCode}:\n${tail}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 401) break; // up, and refusing us without a token as it should
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopGroup(child);
      throw new Error(`wrangler dev did not become ready within 60 s:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    process: child,
    kill: () => stopGroup(child),
    stop: async () => {
      stopGroup(child);
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
    },
  };
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}
