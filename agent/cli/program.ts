/**
 * The `tower` command tree. Every command is listed (name, usage, description) from COMMANDS, but a
 * command's module, and with it zod and the typed client, loads only when the command line names it:
 * `runCli` asks commander which command argv names, then builds that one. `buildProgram` only
 * assembles, so tests import it without running anything; `runCli` turns every outcome into one exit code.
 */
import { Command, Help, Option } from "commander";
import { version } from "../../package.json";
import { processContext, type CliContext, type Io } from "./context";
import type { Where } from "./output";

const MORE_HELP = `
Server and token: --server/--token, else TOWER_URL/TOWER_TOKEN, else the config file
($TOWER_CONFIG or ~/.config/tower/config.json, written by \`npm start\`); the URL defaults to http://127.0.0.1:8787.

Exit codes:
  0    done; a followed session completed
  1    a followed session failed or was interrupted; Tower unreachable or internal error
  2    bad usage: unknown command or flag, bad flag value
  3    not authorized: missing or wrong token, or not allowed
  4    not found
  5    conflict: already decided, session closed, or a followed session waits for input
  6    rate limited
  130  stopped with Ctrl-C`;

/** A command as `tower --help` lists it, and how to build it whole. */
export interface LazyCommand {
  /** The name and usage `tower --help` shows, e.g. `show [options] <session-id>`. */
  term: string;
  description: string;
  load(ctx: CliContext): Promise<Command>;
  /** `tower agent` and `up` take their own --server/--token (an agent's), not a user's. */
  serverFlags?: false;
  /** `tower agent` and `up` load the Agent SDK and wrangler from disk: they start from the bundle, not the start-up snapshot (snapshot.ts). */
  snapshot?: false;
}

export const COMMANDS: LazyCommand[] = [
  {
    term: "launch [options] [prompt...]",
    description: `start a Claude Code session on one of your machines`,
    load: (ctx) => import("./commands/launch").then((m) => m.launchCommand(ctx)),
  },
  { term: "ls [options]", description: `list sessions, newest first`, load: (ctx) => import("./commands/ls").then((m) => m.lsCommand(ctx)) },
  { term: "show [options] <session-id>", description: `show one session's summary`, load: (ctx) => import("./commands/show").then((m) => m.showCommand(ctx)) },
  {
    term: "watch [options] <session-id>",
    description: `stream a session live until it stops`,
    load: (ctx) => import("./commands/watch").then((m) => m.watchCommand(ctx)),
  },
  {
    term: "approvals [options]",
    description: `list the tool calls waiting for approval`,
    load: (ctx) => import("./commands/approvals").then((m) => m.approvalsCommand(ctx)),
  },
  {
    term: "approve [options] <approval-id>",
    description: `approve a pending tool call (--always: and add a rule that allows calls like it)`,
    load: (ctx) => import("./commands/approve").then((m) => m.approveCommand(ctx)),
  },
  {
    term: "deny [options] <approval-id>",
    description: `deny a pending tool call, telling Claude why`,
    load: (ctx) => import("./commands/deny").then((m) => m.denyCommand(ctx)),
  },
  {
    term: "interrupt [options] <session-id>",
    description: `stop a session's run`,
    load: (ctx) => import("./commands/interrupt").then((m) => m.interruptCommand(ctx)),
  },
  {
    term: "continue [options] <session-id> <prompt...>",
    description: `send a follow-up prompt to a stopped session`,
    load: (ctx) => import("./commands/continue").then((m) => m.continueCommand(ctx)),
  },
  {
    term: "archive [options] <session-id>",
    description: `hide a session from \`tower ls\` (see it with --archived)`,
    load: (ctx) => import("./commands/archive").then((m) => m.archiveCommand(ctx)),
  },
  {
    term: "unarchive [options] <session-id>",
    description: `bring an archived session back`,
    load: (ctx) => import("./commands/archive").then((m) => m.unarchiveCommand(ctx)),
  },
  {
    term: "agents [options]",
    description: `list the machines that run sessions`,
    load: (ctx) => import("./commands/agents").then((m) => m.agentsCommand(ctx)),
  },
  {
    term: "login [options]",
    description: `sign this terminal in (device code: approve it in the browser or from another terminal)`,
    load: (ctx) => import("./commands/login").then((m) => m.loginCommand(ctx)),
  },
  { term: "device [options]", description: `approve or deny a device sign-in`, load: (ctx) => import("./commands/login").then((m) => m.deviceCommand(ctx)) },
  {
    term: "invite [options]",
    description: `create an invitation link (owners and admins)`,
    load: (ctx) => import("./commands/invite").then((m) => m.inviteCommand(ctx)),
  },
  {
    term: "join [options] <code-or-link>",
    description: `accept an invitation: as a new account (--name, --email), or with the account you are signed in as`,
    load: (ctx) => import("./commands/invite").then((m) => m.joinCommand(ctx)),
  },
  {
    term: "audit [options]",
    description: `the workspace's audit log (owners and admins)`,
    load: (ctx) => import("./commands/audit").then((m) => m.auditCommand(ctx)),
  },
  {
    term: "workspaces [options]",
    description: `list the workspaces you belong to (* marks the current one)`,
    load: (ctx) => import("./commands/workspaces").then((m) => m.workspacesCommand(ctx)),
  },
  {
    term: "switch [options] <workspace-id>",
    description: `act in another of your workspaces from now on (saves a token for it)`,
    load: (ctx) => import("./commands/workspaces").then((m) => m.switchCommand(ctx)),
  },
  {
    term: "search [options] [query]",
    description: `search past sessions by words and by meaning`,
    load: (ctx) => import("./commands/search").then((m) => m.searchCommand(ctx)),
  },
  {
    term: "template [options]",
    description: `list, show, import and export session templates`,
    load: (ctx) => import("./commands/template").then((m) => m.templateCommand(ctx)),
  },
  {
    term: "rules [options]",
    description: `the workspace's approval rules: allow, deny or ask before a person is asked`,
    load: (ctx) => import("./commands/rules").then((m) => m.rulesCommand(ctx)),
  },
  {
    term: "pipeline [options]",
    description: `run pipelines of sessions; list, show, cancel and re-run runs`,
    load: (ctx) => import("./commands/pipeline").then((m) => m.pipelineCommand(ctx)),
  },
  {
    term: "keys [options]",
    description: `this device's key for signed decisions: add, list, enrol an approver's key, revoke`,
    load: (ctx) => import("./commands/keys").then((m) => m.keysCommand(ctx)),
  },
  {
    term: "tokens [options]",
    description: `create, list, revoke and rotate personal API tokens`,
    load: (ctx) => import("./commands/tokens").then((m) => m.tokensCommand(ctx)),
  },
  {
    term: "agent [options]",
    description: `Run the Tower agent for this machine: it dials out to Tower and runs Claude Code sessions here`,
    load: () => import("../daemon/command").then((m) => m.agentCommand()),
    serverFlags: false,
    snapshot: false,
  },
  {
    term: "up [options]",
    description: `Run Tower locally: wrangler dev on 127.0.0.1 with local D1 and Durable Objects, plus an agent for this machine`,
    load: () => import("../up/command").then((m) => m.upCommand()),
    serverFlags: false,
    snapshot: false,
  },
];

const nameOf = (c: LazyCommand) => c.term.split(" ")[0] ?? "";

/**
 * Help is wrapped at this width on every terminal, not at the terminal's: agent/bin/tower prints the
 * help pages rendered at build time (help-pages.ts), and these must be what commander would print.
 */
export const HELP_WIDTH = 80;

/** Every command reports through `io` and throws instead of exiting, so `runCli` owns the exit code. */
function harden(cmd: Command, io: Io, path = "tower"): void {
  cmd
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), getOutHelpWidth: () => HELP_WIDTH, getErrHelpWidth: () => HELP_WIDTH })
    .showHelpAfterError(`(run \`${path} --help\` for usage)`);
  for (const sub of cmd.commands) harden(sub, io, `${path} ${sub.name()}`);
}

// Taken raw and validated where the config is resolved (config.ts), so declaring them needs no zod.
const serverOptions = () => [
  new Option("--server <url>", "Tower server URL (or TOWER_URL)").helpGroup("Server:"),
  new Option("--token <token>", "API token (or TOWER_TOKEN)").helpGroup("Server:"),
];

/**
 * Assembles `tower`: the commands `build` accepts whole (all by default), the others as their line in
 * `tower --help` only; plus `extra`.
 * @example (await buildProgram()).commands.find((c) => c.name() === "tokens")
 */
export async function buildProgram(extra: Command[] = [], ctx: CliContext = processContext(), build: (name: string) => boolean = () => true): Promise<Command> {
  const terms = new Map<Command, string>();
  const program = new Command("tower")
    .description("Launch, watch and approve Claude Code sessions that run on your own machines.")
    .version(version)
    // Positional, because `tower agent` has its own --server/--token (an agent token, not a user's):
    // a program-wide flag would swallow them. So each of our commands declares the pair as well.
    .enablePositionalOptions()
    .addHelpText("after", MORE_HELP)
    .configureHelp({ subcommandTerm: (c) => terms.get(c) ?? new Help().subcommandTerm(c) });
  for (const o of serverOptions()) program.addOption(o);
  const built = await Promise.all(
    COMMANDS.map(async (entry) => {
      if (!build(nameOf(entry))) return new Command(nameOf(entry)).description(entry.description);
      const cmd = await entry.load(ctx);
      if (entry.serverFlags !== false) for (const o of serverOptions()) cmd.addOption(o);
      return cmd;
    }),
  );
  built.forEach((cmd, i) => {
    terms.set(cmd, COMMANDS[i]?.term ?? cmd.name());
    program.addCommand(cmd);
  });
  for (const c of extra) program.addCommand(c);
  harden(program, ctx.io);
  return program;
}

/** The command argv names (`tower ls …`, `tower help ls`), as commander reads it; undefined for none. */
function commandNamed(program: Command, argv: string[]): string | undefined {
  const { operands, unknown } = program.parseOptions(argv);
  const [first, second] = [...operands, ...unknown];
  return first === "help" ? second : first;
}

/** The entry of the command argv names, if any: `tower --help` and a typo name none. */
export async function commandEntry(argv: string[], ctx: CliContext = processContext()): Promise<LazyCommand | undefined> {
  const named = commandNamed(await buildProgram([], ctx, () => false), argv);
  return COMMANDS.find((c) => nameOf(c) === named);
}

export interface RunOptions {
  extra?: Command[];
  ctx?: CliContext;
}

/** Runs `tower` on argv (without node and script) and resolves with the exit code; never throws. */
export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const ctx = opts.ctx ?? processContext();
  // The command that ran, so an error's hint names its own list, ids and --help.
  let where: Where | undefined;
  try {
    const named = commandNamed(await buildProgram(opts.extra, ctx, () => false), argv);
    const program = (await buildProgram(opts.extra, ctx, (name) => name === named)).hook("preAction", async (_root, action) => {
      const path: string[] = [];
      for (let c: Command | null = action; c?.parent; c = c.parent) path.unshift(c.name());
      const command = path.join(" ");
      const { subjectOf } = await import("./output");
      where = { command, args: action.args, subject: subjectOf(command, action.opts()) };
    });
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    const { reportError } = await import("./output");
    return reportError(ctx.io, e, where);
  }
}
