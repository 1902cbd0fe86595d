/**
 * `tower up` (what `npm start` runs): Tower on this machine. Applies migrations, creates the first
 * workspace on first start (printing its admin token once and saving it for the CLI), starts
 * `wrangler dev` on 127.0.0.1 and a local agent for this machine, and stops both on Ctrl-C.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { MachineInfo } from "../../worker/protocol/agent";
import type { TowerAgent } from "../daemon/agent";
import { onStopSignals } from "../daemon/clean-stop";
import type { RunOptions } from "../runner";
import { PROJECT_ROOT, applyMigrations, bootstrap, startWrangler } from "./local-server";
import { readConfigFile } from "../cli/config";
import { claudeAuthSource } from "../claude-auth";
import { firstRunLines, scratchDir } from "./first-run";
import { devPushVars } from "./dev-vapid";

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("--port must be a port number");
  return n;
}

function wholeNumber(name: string, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}`);
    return n;
  };
}

export interface UpOptions {
  port: number;
  stateDir: string;
  agent: boolean;
  claudePath?: string;
  capacity: number;
  approvalTimeout?: number;
}

/** What `tower up`'s flags mean for the Worker's vars and for the local agent (the same knobs `tower agent` has). */
export function upSettings(opts: UpOptions): { vars: Record<string, string>; run: RunOptions; capacity: number } {
  return {
    vars: opts.approvalTimeout !== undefined ? { APPROVAL_TIMEOUT_SECONDS: String(opts.approvalTimeout) } : {},
    run: opts.claudePath ? { claudePath: resolve(opts.claudePath) } : {},
    capacity: opts.capacity,
  };
}

function writeSecret(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function upCommand(): Command {
  return new Command("up")
    .description("Run Tower locally: wrangler dev on 127.0.0.1 with local D1 and Durable Objects, plus an agent for this machine")
    .option("--port <port>", "port to listen on", port, Number(process.env.PORT ?? 8787))
    .option("--state-dir <dir>", "where local data lives", join(PROJECT_ROOT, ".tower"))
    .option("--no-agent", "do not start the local agent")
    .option("--claude-path <path>", "the local agent runs this Claude Code executable")
    .option("--capacity <n>", "sessions the local agent runs at once (more wait for a free slot)", wholeNumber("--capacity", 256), 4)
    .option(
      "--approval-timeout <seconds>",
      "how long an approval waits for a decision before it is denied (default 3600)",
      wholeNumber("--approval-timeout", 30 * 24 * 3600),
    )
    .action(async (opts: UpOptions) => {
      // Loaded here, not at the top: the Agent SDK it brings is large, and every other command starts without it.
      const { TowerAgent: Agent, defaultMachine } = await import("../daemon/agent");
      const settings = upSettings(opts);
      const persistDir = join(opts.stateDir, "state");
      const agentDir = join(opts.stateDir, "agent");
      const machine = defaultMachine();
      applyMigrations(persistDir);
      const boot = await bootstrap(persistDir, machine.name);
      const vars = { ...(await devPushVars(opts.stateDir)), ...settings.vars };
      const server = await startWrangler({ port: opts.port, persistDir, vars, log: (c) => process.stderr.write(c) });
      if (boot.agentToken) writeSecret(join(agentDir, "agent.json"), { server: server.url, token: boot.agentToken, name: boot.agentName });
      const cliConfig = process.env.TOWER_CONFIG ?? join(homedir(), ".config", "tower", "config.json");
      const wroteCliConfig = Boolean(boot.adminToken) && !existsSync(cliConfig);
      if (wroteCliConfig) writeSecret(cliConfig, { url: server.url, token: boot.adminToken });

      let agent: TowerAgent | null = null;
      if (opts.agent) {
        if (!existsSync(join(agentDir, "agent.json")) && !boot.agentToken) {
          process.stderr.write(`warning: no agent token in ${agentDir}; run \`tower agent --token …\` yourself\n`);
        } else {
          const saved = JSON.parse(readFileSync(join(agentDir, "agent.json"), "utf8")) as { token: string; name: string };
          agent = new Agent({
            server: server.url,
            token: saved.token,
            machine: MachineInfo.parse({ ...machine, name: saved.name, capacity: settings.capacity }),
            stateDir: agentDir,
            run: settings.run,
            log: (line) => process.stdout.write(`[agent] ${line}\n`),
          });
          await agent.start();
        }
      }

      let saved: ReturnType<typeof readConfigFile> = null;
      try {
        saved = readConfigFile(cliConfig);
      } catch {
        // A broken CLI config only costs the convenience link; `tower` itself reports it.
      }
      const browserToken = boot.adminToken ?? (saved?.url === server.url ? saved.token : undefined);
      const lines = firstRunLines({
        url: server.url,
        ...(boot.adminToken ? { adminToken: boot.adminToken } : {}),
        wroteCliConfig: wroteCliConfig ? cliConfig : null,
        ...(browserToken ? { browserToken } : {}),
        // Another executable (--claude-path) keeps its own credentials: not ours to judge.
        claudeAuth: opts.claudePath ? `whatever ${opts.claudePath} uses` : claudeAuthSource(),
        agent: agent !== null,
        scratchDir: scratchDir(opts.stateDir),
      });
      process.stdout.write(`${lines.join("\n")}\n`);

      let stopping = false;
      // The agent stops first, while the server is still there to take its sessions' endings.
      onStopSignals(
        process,
        (line) => process.stdout.write(`[tower] ${line}\n`),
        async () => {
          stopping = true;
          await agent?.stop();
          await server.stop();
        },
        () => agent?.activeRuns ?? 0,
      );
      // Whatever ends this process, wrangler and workerd must not outlive it.
      process.once("exit", () => server.kill());
      server.process.once("exit", (code) => {
        if (!stopping) {
          process.stderr.write(`wrangler dev exited (${code}); stopping\n`);
          void agent?.stop().then(() => process.exit(1));
        }
      });
    });
}
