/**
 * `tower archive` / `tower unarchive`: hides a session from the default list, or brings it back.
 * One file for both because they are the same PATCH with the flag flipped.
 */
import { Command } from "commander";
import type { SessionId } from "../../../worker/protocol/ids";
import { clientFor, sessionIdArg, type CliContext } from "../config";
import { printJson, printLines } from "../output";

function archiveFlagCommand(ctx: CliContext, name: "archive" | "unarchive", archived: boolean): Command {
  return new Command(name)
    .description(archived ? "hide a session from `tower ls` (see it with --archived)" : "bring an archived session back")
    .argument("<session-id>", "the session (ses_…)", sessionIdArg)
    .option("--json", "print the session as JSON")
    .action(async (id: SessionId, flags: { json?: boolean }, cmd: Command) => {
      const session = await clientFor(ctx, cmd).patchSession(id, { archived });
      if (flags.json) return printJson(ctx.io, session);
      printLines(ctx.io, [{ text: `${archived ? "archived" : "unarchived"} ${session.id} "${session.title}"` }]);
    });
}

export const archiveCommand = (ctx: CliContext) => archiveFlagCommand(ctx, "archive", true);
export const unarchiveCommand = (ctx: CliContext) => archiveFlagCommand(ctx, "unarchive", false);
