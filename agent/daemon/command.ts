/**
 * `tower agent`: runs the local agent for this machine until Ctrl-C (or SIGTERM), which interrupts
 * its runs cleanly. Server and agent token come from flags, then TOWER_URL / TOWER_AGENT_TOKEN,
 * then `<state-dir>/agent.json` (written by `npm start` for the embedded default).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { z } from "zod";
import { MachineInfo } from "../../worker/protocol/agent";
import { PROJECT_ROOT } from "../up/local-server";
import { createApiClient } from "../../worker/client";
import { deviceSignIn } from "../cli/sign-in";
import { onStopSignals } from "./clean-stop";
import { TrustStore } from "./trust";

const AgentFile = z.object({ server: z.string().url(), token: z.string().min(1), name: z.string().optional() });

function intOption(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
    return n;
  };
}

function versions(): Record<string, string> {
  const read = (path: string) => (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  // The SDK does not export its package.json, so find it beside its entry file.
  const sdkDir = dirname(fileURLToPath(import.meta.resolve("@anthropic-ai/claude-agent-sdk")));
  return { node: process.version, tower: read(join(PROJECT_ROOT, "package.json")), claudeAgentSdk: read(join(sdkDir, "package.json")) };
}

export function agentCommand(): Command {
  return new Command("agent")
    .description("Run the Tower agent for this machine: it dials out to Tower and runs Claude Code sessions here")
    .option("--server <url>", "Tower's URL (or TOWER_URL)")
    .option("--token <token>", "this machine's agent token (or TOWER_AGENT_TOKEN)")
    .option("--name <name>", "machine name shown in Tower (default: hostname)")
    .option(
      "--labels <a,b>",
      "labels for choosing machines",
      (v: string) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      [] as string[],
    )
    .option("--capacity <n>", "sessions this machine runs at once (more wait, shown as queued, for a free slot)", intOption("--capacity"), 4)
    .option("--claude-path <path>", "run another Claude Code executable")
    .option("--state-dir <dir>", "where the journal lives", join(homedir(), ".tower", "agent"))
    .option(
      "--allow-mcp <command>",
      "a stdio MCP command sessions may start here (repeat for more; none by default)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      "--deny-rules <file>",
      `this machine's own deny policy (YAML or JSON deny rules), enforced here whatever the server says (default: <state-dir>/deny-rules.yaml if present)`,
    )
    .option(
      "--owner-key <public-key>",
      "require signed decisions: pin your key on this machine (the public key from `tower keys add`, or a passkey's `pin` from `tower keys ls --json`); it then applies only approves signed by it or by keys it enrolled",
    )
    .option("--enroll", "enroll this machine first: shows a code that a member approves, then saves the machine's token")
    .action(
      async (opts: {
        server?: string;
        token?: string;
        name?: string;
        labels: string[];
        capacity: number;
        claudePath?: string;
        allowMcp: string[];
        stateDir: string;
        denyRules?: string;
        ownerKey?: string;
        enroll?: boolean;
      }) => {
        // Loaded here, not at the top: the Agent SDK it brings is large, and every other command starts without it.
        const { TowerAgent, defaultMachine } = await import("./agent");
        const stateDir = resolve(opts.stateDir);
        const agentFile = join(stateDir, "agent.json");
        let fileCfg = readAgentFile(agentFile);
        if (opts.enroll) {
          const server = (opts.server ?? process.env.TOWER_URL ?? fileCfg?.server ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
          const name = opts.name ?? defaultMachine().name;
          const done = await deviceSignIn(createApiClient({ baseUrl: server, token: "" }), { kind: "agent", machineName: name }, (lines) =>
            process.stdout.write(`${lines.join("\n")}\n`),
          );
          fileCfg = { server, token: done.token, name: done.machineName ?? name };
          mkdirSync(stateDir, { recursive: true });
          writeFileSync(agentFile, `${JSON.stringify(fileCfg, null, 2)}\n`, { mode: 0o600 });
          process.stdout.write(`[tower agent] enrolled as "${fileCfg.name}"; token saved in ${agentFile}\n`);
        }
        const server = opts.server ?? process.env.TOWER_URL ?? fileCfg?.server;
        const token = opts.token ?? process.env.TOWER_AGENT_TOKEN ?? fileCfg?.token;
        if (!server || !token) {
          process.stderr.write(
            "error: no Tower server or agent token\nfix: run `tower agent --enroll --server URL` to enroll this machine, pass --server and --token, or run `npm start` once for the local agent\n",
          );
          process.exit(2);
        }
        const machine = MachineInfo.parse({
          ...defaultMachine(opts.name ?? fileCfg?.name),
          labels: opts.labels,
          capacity: opts.capacity,
          versions: versions(),
        });
        const { loadLocalPolicy, LOCAL_POLICY_FILE } = await import("../local-policy");
        const policyFile = opts.denyRules ? resolve(opts.denyRules) : join(stateDir, LOCAL_POLICY_FILE);
        let localPolicy: ReturnType<typeof loadLocalPolicy> = null;
        try {
          localPolicy = loadLocalPolicy(policyFile, machine.name, opts.denyRules !== undefined);
        } catch (e) {
          // Never start without the owner's policy: running unguarded is what it exists to prevent.
          process.stderr.write(
            `error: ${(e as Error).message}\nfix: correct the file (deny rules in the workspace rules' format; README: "The machine's own deny policy"), or ${opts.denyRules ? "leave out --deny-rules" : "delete it"} to run with no local policy\n`,
          );
          process.exit(2);
        }
        if (localPolicy)
          process.stdout.write(`[tower agent] local deny policy: ${localPolicy.rules.rules.length} rule(s) from ${policyFile}, enforced on every tool call\n`);
        let trust: TrustStore | null;
        try {
          trust = TrustStore.open(stateDir, opts.ownerKey);
        } catch (e) {
          process.stderr.write(`error: ${(e as Error).message}\n`);
          process.exit(2);
        }
        if (trust) process.stdout.write(`[tower agent] requires signed decisions: owner key ${trust.ownerKeyId} (pinned in ${join(stateDir, "trust.json")})\n`);
        const agent = new TowerAgent({
          trust,
          server,
          token,
          machine,
          stateDir,
          run: { ...(opts.claudePath ? { claudePath: resolve(opts.claudePath) } : {}), allowMcp: opts.allowMcp, ...(localPolicy ? { localPolicy } : {}) },
          log: (line) => process.stdout.write(`[tower agent] ${line}\n`),
          onRevoked: () => process.exit(3),
        });
        const log = (line: string) => process.stdout.write(`[tower agent] ${line}\n`);
        onStopSignals(
          process,
          log,
          () => agent.stop(),
          () => agent.activeRuns,
        );
        await agent.start();
      },
    );
}

function readAgentFile(path: string): z.infer<typeof AgentFile> | null {
  if (!existsSync(path)) return null;
  const r = AgentFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!r.success) {
    process.stderr.write(`error: ${path} is not a valid agent file (${r.error.issues[0]?.message}); delete it or fix it\n`);
    process.exit(2);
  }
  return r.data;
}
