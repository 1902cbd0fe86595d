/**
 * `tower search "…"`: finds past sessions by words and by meaning (hybrid by default; --text or
 * --semantic for one side), with the matching event and its highlighted snippet. `--similar`
 * asks "was this solved before?" for a prompt; `--backfill` (admins) re-indexes the workspace.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { SearchResult, SimilarSession } from "../../../worker/protocol/search";
import { SessionStatus } from "../../../worker/protocol/session";
import { clientFor, countFlag, textFlag, type CliContext } from "../config";
import { CliError, paint, printJson, printLines, type Line } from "../output";
import { formatAge, formatCost, statusLabel, toneForStatus, truncate } from "../render";

interface SearchFlags {
  text?: boolean;
  semantic?: boolean;
  similar?: boolean;
  backfill?: boolean;
  agent?: string;
  cwd?: string;
  status?: string[];
  from?: string;
  to?: string;
  tool?: string;
  author?: string;
  limit?: number;
  json?: boolean;
}

function statusList(value: string): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!SessionStatus.safeParse(n).success) throw new InvalidArgumentError(`unknown status "${n}"; use ${SessionStatus.options.join(", ")}`);
  if (!names.length) throw new InvalidArgumentError("give at least one status");
  return names;
}

function dateFlag(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return value;
  throw new InvalidArgumentError("use a date like 2026-11-25");
}

/** The snippet for a terminal: <mark> becomes colour (or »« without colour), entities are decoded. */
export function terminalSnippet(html: string, color: boolean): string {
  const marked = color ? html.replace(/<mark>/g, "\x1b[1;33m").replace(/<\/mark>/g, "\x1b[22;39m") : html.replace(/<mark>/g, "»").replace(/<\/mark>/g, "«");
  return marked
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function resultLines(r: SearchResult | SimilarSession, now: number, color: boolean): Line[] {
  const where = r.match.seq === 0 ? "title" : `${r.match.kind}${r.match.toolName ? ` ${r.match.toolName}` : ""} #${r.match.seq}`;
  const lines: Line[] = [
    { text: `${paint(statusLabel(r.status).padEnd(10), toneForStatus(r.status), color)} ${r.sessionId}  ${truncate(r.title, 60)}` },
    {
      text: `  ${r.agentName ?? "?"}:${r.cwd} · ${formatCost(r.costUsd)} · ${formatAge(now - r.createdAt)} ago · ${where} · ${r.foundBy.join("+")}`,
      tone: "dim",
    },
    { text: `  ${terminalSnippet(r.match.snippet, color)}` },
  ];
  if ("changedFiles" in r && r.changedFiles.length)
    lines.push({ text: `  changed: ${r.changedFiles.slice(0, 5).join(", ")}${r.changedFiles.length > 5 ? " …" : ""}`, tone: "dim" });
  return lines;
}

export function searchCommand(ctx: CliContext): Command {
  return new Command("search")
    .description("search past sessions by words and by meaning")
    .argument("[query]", 'words to find; "quoted phrase" and prefix* work')
    .addOption(new Option("--text", "full-text only (FTS5, bm25)").conflicts(["semantic", "similar"]))
    .addOption(new Option("--semantic", "by meaning only (embeddings)").conflicts(["text", "similar"]))
    .option("--similar", "sessions like this prompt, with how they went (solved before?)")
    .option("--backfill", "re-index every session of the workspace (admins; safe to repeat)")
    .option("--agent <name>", "only sessions on this machine (name or agent id)", textFlag)
    .option("--cwd <dir>", "only sessions in this directory or below it", textFlag)
    .option("--status <s1,s2>", "only sessions with these statuses", statusList)
    .option("--from <date>", "only events on or after this day (YYYY-MM-DD)", dateFlag)
    .option("--to <date>", "only events on or before this day (YYYY-MM-DD)", dateFlag)
    .option("--tool <name>", "only tool calls of this tool (e.g. Bash, Edit)", textFlag)
    .option("--author <user-id>", "only sessions owned by this member (usr_…)", textFlag)
    .option("--limit <n>", "at most this many results (1-100, default 20)", countFlag(1, 100))
    .option("--json", "print the response as JSON")
    .action(async (query: string | undefined, flags: SearchFlags, cmd: Command) => {
      if (!flags.backfill && !query?.trim())
        throw new CliError("USAGE", "no words to search for", 'give the words to search for, e.g. tower search "flaky login test" (or --similar "a prompt")');
      const client = clientFor(ctx, cmd);
      if (flags.backfill) {
        const r = await client.backfillSearch();
        if (flags.json) return printJson(ctx.io, r);
        return printLines(ctx.io, [{ text: `queued ${r.jobs} sessions for indexing; they become searchable within seconds` }]);
      }
      if (query === undefined) return;
      if (flags.similar) {
        const r = await client.similarToPrompt(query, flags.limit && flags.limit <= 20 ? flags.limit : undefined);
        if (flags.json) return printJson(ctx.io, r);
        if (!r.sessions.length) return printLines(ctx.io, [{ text: "nothing like it yet", tone: "dim" }]);
        return printLines(
          ctx.io,
          r.sessions.flatMap((s) => resultLines(s, ctx.now(), ctx.io.color)),
        );
      }
      const r = await client.search(query, {
        mode: flags.text ? "text" : flags.semantic ? "semantic" : "hybrid",
        limit: flags.limit,
        agent: flags.agent,
        cwd: flags.cwd,
        status: flags.status,
        from: flags.from,
        to: flags.to,
        tool: flags.tool,
        author: flags.author,
      });
      if (flags.json) return printJson(ctx.io, r);
      if (!r.results.length) return printLines(ctx.io, [{ text: "no matches", tone: "dim" }]);
      printLines(
        ctx.io,
        r.results.flatMap((s) => resultLines(s, ctx.now(), ctx.io.color)),
      );
    });
}
