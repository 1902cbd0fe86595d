/**
 * `tower agents`: the machines of this workspace, whether their agent is connected, and how many
 * sessions each is running, so a launch can name one with --agent.
 */
import { Command } from "commander";
import { clientFor, type CliContext } from "../config";
import { paint, printJson, printLines, table } from "../output";
import { formatAge } from "../render";

export function agentsCommand(ctx: CliContext): Command {
  return new Command("agents")
    .description("list the machines that run sessions")
    .option("--json", "print the list as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const { agents } = await clientFor(ctx, cmd).listAgents();
      if (flags.json) return printJson(ctx.io, { agents });
      if (agents.length === 0) {
        return printLines(ctx.io, [{ text: "no agents yet: run `tower agent` on a machine (npm start runs one here)", tone: "dim" }]);
      }
      const now = ctx.now();
      const rows = agents.map((a) => [
        a.name,
        a.id,
        paint(a.online ? "online" : "offline", a.online ? "ok" : "dim", ctx.io.color),
        `${a.runningSessions}/${a.capacity}`,
        a.hostname,
        a.online || a.lastSeenAt === null ? "" : `${formatAge(now - a.lastSeenAt)} ago`,
      ]);
      const [header = "", ...body] = table(["NAME", "ID", "STATE", "RUNNING", "HOST", "LAST SEEN"], rows, [3]);
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text }))]);
    });
}
