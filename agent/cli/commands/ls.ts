/**
 * `tower ls`: the session list with its counts (messages, tool calls, pending approvals, cost,
 * tokens), one query on the server. Filters map one-to-one onto `GET /api/sessions`.
 */
import { Command, InvalidArgumentError } from "commander";
import { SessionStatus } from "../../../worker/protocol/session";
import { clientFor, countFlag, textFlag, type CliContext } from "../config";
import { paint, printJson, printLines, table } from "../output";
import { SESSION_COLUMNS, SESSION_NUMERIC, formatSessionRow, toneForStatus } from "../render";

interface LsFlags {
  status?: SessionStatus[];
  agent?: string;
  archived?: boolean;
  all?: boolean;
  search?: string;
  limit?: number;
  json?: boolean;
}

function statusList(value: string): SessionStatus[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError("give at least one status");
  return names.map((n) => {
    const r = SessionStatus.safeParse(n);
    if (!r.success) throw new InvalidArgumentError(`unknown status "${n}"; use ${SessionStatus.options.join(", ")}`);
    return r.data;
  });
}

export function lsCommand(ctx: CliContext): Command {
  return new Command("ls")
    .description("list sessions, newest first")
    .option("--status <s1,s2>", "only these statuses, comma-separated (e.g. running,waiting_for_approval)", statusList)
    .option("--agent <name>", "only sessions on this machine (name or agent id)", textFlag)
    .option("--archived", "only archived sessions")
    .option("--all", "archived and unarchived sessions")
    .option("--search <text>", "only sessions whose title or prompt matches", textFlag)
    .option("--limit <n>", "at most this many (1-200, default 50)", countFlag(1, 200))
    .option("--json", "print the page as JSON")
    .action(async (flags: LsFlags, cmd: Command) => {
      const client = clientFor(ctx, cmd);
      const page = await client.listSessions({
        status: flags.status,
        agent: flags.agent,
        archived: flags.all ? "all" : flags.archived ? "true" : "false",
        q: flags.search,
        limit: flags.limit,
      });
      if (flags.json) return printJson(ctx.io, page);
      if (page.sessions.length === 0) {
        // A viewer may not launch: tell them what they can do instead.
        const { role } = await client.me();
        return printLines(ctx.io, [
          { text: "no sessions", tone: "dim" },
          role === "viewer"
            ? { text: "  you are a viewer here: you see the sessions members share with you or launch; ask a member or admin", tone: "dim" }
            : { text: '  tower launch --cwd DIR "what to do"', tone: "dim" },
        ]);
      }
      const now = ctx.now();
      const rows = page.sessions.map((s) => {
        const [status = "", ...rest] = formatSessionRow(s, now);
        return [paint(status, toneForStatus(s.status), ctx.io.color), ...rest];
      });
      const [header = "", ...body] = table(SESSION_COLUMNS, rows, SESSION_NUMERIC);
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text }))]);
      if (page.nextCursor) printLines(ctx.io, [{ text: "… more sessions; raise --limit to see them", tone: "dim" }]);
    });
}
