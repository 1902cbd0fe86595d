/**
 * `tower watch`: streams one session's conversation live until it stops, then exits with a code
 * that says how it ended (0 completed, 1 failed or interrupted, 5 waiting for input, 130 Ctrl-C).
 */
import { Command } from "commander";
import type { SessionId } from "../../../worker/protocol/ids";
import { clientFor, countFlag, sessionIdArg, type CliContext } from "../config";
import { followSession } from "../live";
import { printLines } from "../output";
import { statusLabel } from "../render";

export function watchCommand(ctx: CliContext): Command {
  return new Command("watch")
    .description("stream a session live until it stops")
    .argument("<session-id>", "the session (ses_…)", sessionIdArg)
    .option("--after <seq>", "only events after this sequence number (default 0: the whole history)", countFlag(0, Number.MAX_SAFE_INTEGER))
    .option("--json", "one event per line (NDJSON)")
    .action(async (id: SessionId, flags: { after?: number; json?: boolean }, cmd: Command) => {
      const client = clientFor(ctx, cmd);
      // Asked over HTTP first: a wrong id or token fails here with its own exit code, where the
      // live socket would only keep reconnecting.
      const session = await client.getSession(id);
      if (!flags.json)
        printLines(ctx.io, [{ text: `watching ${session.id} "${session.title}" (${statusLabel(session.status)}); Ctrl-C stops watching`, tone: "dim" }]);
      ctx.exitCode = await followSession(ctx, client, { sessionId: id, after: flags.after ?? 0, json: flags.json === true });
    });
}
