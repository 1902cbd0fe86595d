/**
 * `tower interrupt`: asks a session's run to stop. Accepted while the session is queued, starting,
 * running or waiting for approval; a session that already stopped exits 5 (SESSION_CLOSED).
 */
import { Command } from "commander";
import type { SessionId } from "../../../worker/protocol/ids";
import { clientFor, sessionIdArg, type CliContext } from "../config";
import { printJson, printLines } from "../output";
import { statusLabel } from "../render";

export function interruptCommand(ctx: CliContext): Command {
  return new Command("interrupt")
    .description("stop a session's run")
    .argument("<session-id>", "the session (ses_…)", sessionIdArg)
    .option("--json", "print the session as JSON")
    .action(async (id: SessionId, flags: { json?: boolean }, cmd: Command) => {
      const session = await clientFor(ctx, cmd).interrupt(id);
      if (flags.json) return printJson(ctx.io, session);
      printLines(ctx.io, [{ text: `interrupt requested: ${session.id} is ${statusLabel(session.status)}`, tone: "warn" }]);
    });
}
