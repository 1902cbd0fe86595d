/**
 * `tower launch`: starts a Claude Code session on one of the workspace's machines and, with --wait,
 * follows it to the end. The body is checked against the protocol's CreateSessionBody before it is
 * sent, so a bad value is reported against its flag instead of coming back as a server 400.
 */
import { Command } from "commander";
import type { ApiClient } from "../../../worker/client";
import { CreateSessionBody, type SessionSummary } from "../../../worker/protocol/session";
import { paramFlag, templateRef } from "../params";
import { clientFor, countFlag, dirFlag, invalidFlags, listFlag, repeatable, textFlag, type CliContext } from "../config";
import { followSession } from "../live";
import { CliError, printJson, printLines, printNdjson } from "../output";
import { statusLabel } from "../render";

interface LaunchFlags {
  cwd?: string;
  agent?: string;
  model?: string;
  maxTurns?: number;
  appendSystemPrompt?: string;
  allowedTools?: string[];
  disallowedTools?: string[];
  addDir?: string[];
  title?: string;
  template?: { name: string; version?: number };
  param?: Record<string, string>;
  wait?: boolean;
  json?: boolean;
}

const FLAG_OF: Record<string, string> = {
  prompt: "<prompt>",
  cwd: "--cwd",
  agent: "--agent",
  model: "--model",
  maxTurns: "--max-turns",
  appendSystemPrompt: "--append-system-prompt",
  allowedTools: "--allowed-tools",
  disallowedTools: "--disallowed-tools",
  additionalDirectories: "--add-dir",
  title: "--title",
};

export function launchCommand(ctx: CliContext): Command {
  return new Command("launch")
    .description("start a Claude Code session on one of your machines")
    .argument("[prompt...]", "what Claude Code should do (omit with --template)")
    .option("--template <name[@version]>", "launch from a template (latest version unless @version)", templateRef)
    .option("--param <k=v>", "a template parameter (repeatable)", paramFlag)
    .option("--cwd <dir>", "working directory on the agent's machine (default: the current directory)", dirFlag(ctx.cwd))
    .option("--agent <name>", "machine name or agent id (default: the only, or first online, agent)", textFlag)
    .option("--model <model>", "Claude model", textFlag)
    .option("--max-turns <n>", "stop after this many turns (1-1000)", countFlag(1, 1000))
    .option("--append-system-prompt <text>", "text appended to Claude Code's system prompt")
    .option("--allowed-tools <a,b>", "tools that run without asking, comma-separated", listFlag)
    .option("--disallowed-tools <a,b>", "tools Claude may not use, comma-separated", listFlag)
    .option("--add-dir <dir>", "another directory Claude may use (repeatable)", repeatable(dirFlag(ctx.cwd)))
    .option("--title <title>", "session title (default: from the prompt)", textFlag)
    .option("--wait", "follow the session until it stops; exit 0 completed, 1 failed/interrupted, 5 waiting for input")
    .option("--json", "print the session as JSON (with --wait: the session, then one event per line)")
    .action(async (words: string[], flags: LaunchFlags, cmd: Command) => {
      if (flags.template) return launchTemplate(ctx, cmd, words, flags, flags.template);
      if (flags.param) throw new CliError("USAGE", "--param needs --template", "name the template: tower launch --template NAME --param k=v");
      if (!words.length) throw new CliError("USAGE", "missing prompt", 'say what to do: tower launch "fix the tests" (or use --template NAME)');
      const parsed = CreateSessionBody.safeParse({
        prompt: words.join(" "),
        cwd: flags.cwd ?? ctx.cwd,
        agent: flags.agent,
        model: flags.model,
        maxTurns: flags.maxTurns,
        appendSystemPrompt: flags.appendSystemPrompt,
        allowedTools: flags.allowedTools,
        disallowedTools: flags.disallowedTools,
        additionalDirectories: flags.addDir,
        title: flags.title,
      });
      if (!parsed.success) throw invalidFlags(parsed.error, FLAG_OF, "tower launch --help");
      const client = clientFor(ctx, cmd);
      const session = await client.createSession(parsed.data);
      await launched(ctx, client, session, flags);
    });
}

async function launched(ctx: CliContext, client: ApiClient, session: SessionSummary, flags: LaunchFlags): Promise<void> {
  if (flags.json) (flags.wait ? printNdjson : printJson)(ctx.io, session);
  else
    printLines(ctx.io, [
      { text: `launched ${session.id} "${session.title}" on ${session.agentName ?? session.agentId} (${statusLabel(session.status)})` },
      ...(session.templateId ? [{ text: `  from template ${session.templateId} v${session.templateVersion}`, tone: "dim" as const }] : []),
      ...(flags.wait ? [] : [{ text: `  tower watch ${session.id}`, tone: "dim" as const }]),
    ]);
  if (flags.wait) ctx.exitCode = await followSession(ctx, client, { sessionId: session.id, after: 0, json: flags.json === true });
}

/** `--template`: the recipe gives prompt and options; only --cwd, --agent and --title may override. */
async function launchTemplate(ctx: CliContext, cmd: Command, words: string[], flags: LaunchFlags, ref: { name: string; version?: number }): Promise<void> {
  const conflicting = (["model", "maxTurns", "appendSystemPrompt", "allowedTools", "disallowedTools", "addDir"] as const).filter((k) => flags[k] !== undefined);
  if (words.length || conflicting.length) {
    throw new CliError(
      "USAGE",
      `--template takes its prompt and options from the template`,
      "drop the prompt and model/tool flags, or edit the template (a new version)",
    );
  }
  const client = clientFor(ctx, cmd);
  const session = await client.launchTemplate(ref.name, {
    ...(ref.version ? { version: ref.version } : {}),
    params: flags.param ?? {},
    ...(flags.cwd ? { cwd: flags.cwd } : {}),
    ...(flags.agent ? { agent: flags.agent } : {}),
    ...(flags.title ? { title: flags.title } : {}),
  });
  await launched(ctx, client, session, flags);
}
