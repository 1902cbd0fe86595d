/**
 * `tower continue`: sends a follow-up prompt to a stopped session (or, with --fork, starts a new
 * session from its conversation) and, with --wait, follows the new run to its end.
 */
import { Command } from "commander";
import type { SessionId } from "../../../worker/protocol/ids";
import { ContinueSessionBody } from "../../../worker/protocol/session";
import { clientFor, invalidFlags, sessionIdArg, textFlag, type CliContext } from "../config";
import { followSession } from "../live";
import { printJson, printLines, printNdjson } from "../output";

interface ContinueFlags {
  fork?: boolean;
  title?: string;
  wait?: boolean;
  json?: boolean;
}

export function continueCommand(ctx: CliContext): Command {
  return new Command("continue")
    .description("send a follow-up prompt to a stopped session")
    .argument("<session-id>", "the session (ses_…)", sessionIdArg)
    .argument("<prompt...>", "what Claude Code should do next")
    .option("--fork", "continue in a new session, leaving this one as it is")
    .option("--title <title>", "title of the fork", textFlag)
    .option("--wait", "follow the run until it stops; exit 0 completed, 1 failed/interrupted, 5 waiting for input")
    .option("--json", "print the session as JSON (with --wait: the session, then one event per line)")
    .action(async (id: SessionId, words: string[], flags: ContinueFlags, cmd: Command) => {
      const body = ContinueSessionBody.safeParse({ prompt: words.join(" "), fork: flags.fork === true, title: flags.title });
      if (!body.success) throw invalidFlags(body.error, { prompt: "<prompt>", title: "--title" }, "tower continue --help");
      const client = clientFor(ctx, cmd);
      // Where the follow-up starts in the log, read before continuing so --wait shows all of it.
      const before = flags.wait && !body.data.fork ? (await client.getSession(id)).lastSeq : 0;
      const session = await client.continueSession(id, body.data);
      const forked = session.id !== id;
      if (flags.json) (flags.wait ? printNdjson : printJson)(ctx.io, session);
      else
        printLines(ctx.io, [
          { text: forked ? `forked ${id} into ${session.id} "${session.title}"` : `continued ${session.id}` },
          ...(flags.wait ? [] : [{ text: `  tower watch ${session.id}`, tone: "dim" as const }]),
        ]);
      if (!flags.wait) return;
      ctx.exitCode = await followSession(ctx, client, { sessionId: session.id, after: forked ? 0 : before, json: flags.json === true });
    });
}
