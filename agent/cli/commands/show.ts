/**
 * `tower show`: one session's summary (status and why, where it runs, counts, cost, result), the
 * same row `ls` shows, spelled out.
 */
import { Command } from "commander";
import type { SessionId } from "../../../worker/protocol/ids";
import type { SessionSummary } from "../../../worker/protocol/session";
import { clientFor, sessionIdArg, type CliContext } from "../config";
import { paint, printJson, printLines, table, type Line } from "../output";
import { formatAge, formatCost, formatTokens, formatTurns, statusLabel, toneForStatus } from "../render";

export function describeSession(s: SessionSummary, now: number, color: boolean): Line[] {
  const fields: [string, string][] = [
    ["id", s.id],
    ["title", s.title],
    ["status", `${paint(statusLabel(s.status), toneForStatus(s.status), color)} — ${s.statusReason}`],
    ["agent", s.agentName ? `${s.agentName} (${s.agentId})` : s.agentId],
    ["cwd", s.cwd],
    ["model", s.model ?? "default"],
    ["messages", `${s.messageCount} (${s.toolCallCount} tool calls, ${s.pendingApprovals} pending approvals)`],
    ["cost", `${formatCost(s.costUsd)} · ${formatTokens(s.inputTokens)} in, ${formatTokens(s.outputTokens)} out · ${formatTurns(s.numTurns)}`],
    ["created", `${formatAge(now - s.createdAt)} ago${s.endedAt ? `, ended ${formatAge(now - s.endedAt)} ago` : ""}`],
  ];
  if (s.parentSessionId) fields.push(["forked from", s.parentSessionId]);
  if (s.archived) fields.push(["archived", "yes"]);
  const lines: Line[] = table(
    ["", ""],
    fields.map(([k, v]) => [`${k}:`, v]),
  )
    .slice(1)
    .map((text) => ({ text }));
  lines.push({ text: "prompt:", tone: "dim" }, ...s.prompt.split("\n").map((text): Line => ({ text: `  ${text}` })));
  if (s.result) lines.push({ text: "result:", tone: "dim" }, ...s.result.split("\n").map((text): Line => ({ text: `  ${text}` })));
  return lines;
}

export function showCommand(ctx: CliContext): Command {
  return new Command("show")
    .description("show one session's summary")
    .argument("<session-id>", "the session (ses_…)", sessionIdArg)
    .option("--json", "print the session as JSON")
    .action(async (id: SessionId, flags: { json?: boolean }, cmd: Command) => {
      const session = await clientFor(ctx, cmd).getSession(id);
      if (flags.json) return printJson(ctx.io, session);
      printLines(ctx.io, describeSession(session, ctx.now(), ctx.io.color));
    });
}
