/**
 * `tower approvals`: the pending inbox across sessions (or one session), with the command to
 * decide each one, so a human can clear it from a terminal.
 */
import { Command } from "commander";
import type { SessionId } from "../../../worker/protocol/ids";
import { clientFor, sessionIdArg, type CliContext } from "../config";
import { printJson, printLines, table } from "../output";
import { formatAge, summarizeToolInput, truncate } from "../render";

export function approvalsCommand(ctx: CliContext): Command {
  return new Command("approvals")
    .description("list the tool calls waiting for approval")
    .option("--session <session-id>", "only this session's", sessionIdArg)
    .option("--json", "print the list as JSON")
    .action(async (flags: { session?: SessionId; json?: boolean }, cmd: Command) => {
      const { approvals } = await clientFor(ctx, cmd).listApprovals(flags.session ? { session: flags.session } : {});
      if (flags.json) return printJson(ctx.io, { approvals });
      if (approvals.length === 0) return printLines(ctx.io, [{ text: "no pending approvals", tone: "dim" }]);
      // An approval names only its session: its title and machine come from the sessions that wait.
      const { sessions } = await clientFor(ctx, cmd).listSessions({ status: ["waiting_for_approval", "parked"], archived: "all", limit: 200 });
      const byId = new Map(sessions.map((s) => [s.id, s]));
      const now = ctx.now();
      const rows = approvals.map((a) => [
        a.id,
        truncate(byId.get(a.sessionId)?.title ?? a.sessionId, 40),
        byId.get(a.sessionId)?.agentName ?? "-",
        a.parked ? `${a.toolName} (parked)` : a.toolName,
        truncate(summarizeToolInput(a.toolName, a.input), 60),
        formatAge(now - a.createdAt),
        a.expiresAt > now ? `in ${formatAge(a.expiresAt - now)}` : "now",
      ]);
      const [header = "", ...body] = table(["ID", "SESSION", "MACHINE", "TOOL", "INPUT", "AGE", "EXPIRES"], rows);
      printLines(ctx.io, [
        { text: header, tone: "dim" },
        ...body.map((text) => ({ text })),
        { text: '  tower approve <id>   ·   tower deny <id> --comment "…"', tone: "dim" },
      ]);
    });
}
