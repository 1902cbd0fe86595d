/**
 * The `tower` command tree. `buildProgram` only assembles it, so tests and other entry points import
 * it without running anything; `runCli` parses argv and turns every outcome (success, a stopped
 * session, a usage mistake, an API error) into one exit code. Others add commands via `extra`.
 */
import { Command, Option } from "commander";
import { agentCommand } from "../daemon/command";
import { approvalsCommand } from "./commands/approvals";
import { approveCommand } from "./commands/approve";
import { agentsCommand } from "./commands/agents";
import { archiveCommand, unarchiveCommand } from "./commands/archive";
import { continueCommand } from "./commands/continue";
import { denyCommand } from "./commands/deny";
import { auditCommand } from "./commands/audit";
import { switchCommand, workspacesCommand } from "./commands/workspaces";
import { interruptCommand } from "./commands/interrupt";
import { inviteCommand, joinCommand } from "./commands/invite";
import { deviceCommand, loginCommand } from "./commands/login";
import { launchCommand } from "./commands/launch";
import { lsCommand } from "./commands/ls";
import { searchCommand } from "./commands/search";
import { showCommand } from "./commands/show";
import { watchCommand } from "./commands/watch";
import { templateCommand } from "./commands/template";
import { rulesCommand } from "./commands/rules";
import { pipelineCommand } from "./commands/pipeline";
import { tokensCommand } from "./commands/tokens";
import { processContext, tokenFlag, urlFlag, type CliContext } from "./config";
import { reportError, subjectOf, type Io, type Where } from "./output";

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

/** Every command reports through `io` and throws instead of exiting, so `runCli` owns the exit code. */
function harden(cmd: Command, io: Io, path = "tower"): void {
  cmd
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(`(run \`${path} --help\` for usage)`);
  for (const sub of cmd.commands) harden(sub, io, `${path} ${sub.name()}`);
}

const serverOptions = () => [
  new Option("--server <url>", "Tower server URL (or TOWER_URL)").argParser(urlFlag).helpGroup("Server:"),
  new Option("--token <token>", "API token (or TOWER_TOKEN)").argParser(tokenFlag).helpGroup("Server:"),
];

/**
 * Assembles `tower` with its commands, plus `extra` (e.g. `up`) from other modules.
 * @example await buildProgram([upCommand()]).parseAsync(process.argv)
 */
export function buildProgram(extra: Command[] = [], ctx: CliContext = processContext()): Command {
  const program = new Command("tower")
    .description("Launch, watch and approve Claude Code sessions that run on your own machines.")
    // Positional, because `tower agent` has its own --server/--token (an agent token, not a user's):
    // a program-wide flag would swallow them. So each of our commands declares the pair as well.
    .enablePositionalOptions()
    .addHelpText("after", MORE_HELP);
  for (const o of serverOptions()) program.addOption(o);
  const own = [
    launchCommand(ctx),
    lsCommand(ctx),
    showCommand(ctx),
    watchCommand(ctx),
    approvalsCommand(ctx),
    approveCommand(ctx),
    denyCommand(ctx),
    interruptCommand(ctx),
    continueCommand(ctx),
    archiveCommand(ctx),
    unarchiveCommand(ctx),
    agentsCommand(ctx),
    loginCommand(ctx),
    deviceCommand(ctx),
    inviteCommand(ctx),
    joinCommand(ctx),
    auditCommand(ctx),
    workspacesCommand(ctx),
    switchCommand(ctx),
    searchCommand(ctx),
    templateCommand(ctx),
    rulesCommand(ctx),
    pipelineCommand(ctx),
    tokensCommand(ctx),
  ];
  for (const c of own) for (const o of serverOptions()) c.addOption(o);
  for (const c of [...own, agentCommand(), ...extra]) program.addCommand(c);
  harden(program, ctx.io);
  return program;
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
  const program = buildProgram(opts.extra, ctx).hook("preAction", (_root, action) => {
    const path: string[] = [];
    for (let c: Command | null = action; c?.parent; c = c.parent) path.unshift(c.name());
    const command = path.join(" ");
    where = { command, args: action.args, subject: subjectOf(command, action.opts()) };
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    return reportError(ctx.io, e, where);
  }
}
