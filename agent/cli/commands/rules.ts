/**
 * `tower rules show|edit|apply FILE|test|history|replay`: the workspace's approval rules as code.
 * The file is YAML or JSON as the team keeps it in its repository; the server checks it and names the
 * line and column of each error. `replay` is the dry run: what a rule set would have decided for the
 * calls of the last days, next to what people decided.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { clientFor, countFlag, textFlag, type CliContext } from "../config";
import { CliError, printJson, printLines, table, type Line } from "../output";
import type { ReplayResult, RuleVerdict } from "../../../worker/protocol/rules";

function readRules(ctx: CliContext, file: string): string {
  try {
    return readFileSync(resolve(ctx.cwd, file), "utf8");
  } catch (e) {
    throw new CliError("USAGE", `Cannot read ${file}: ${(e as Error).message}`, "give the path of a rules file (YAML or JSON)");
  }
}

const when = (at: number) => (at ? new Date(at).toISOString() : "never");

function verdictLines(v: RuleVerdict): Line[] {
  const tone = v.decision === "allow" ? "ok" : v.decision === "deny" ? "error" : "warn";
  return [{ text: `${v.decision}: ${v.reason}`, tone }, ...(v.message ? [{ text: `Claude reads: ${v.message}`, tone: "dim" as const }] : [])];
}

function replayLines(r: ReplayResult): Line[] {
  const lines: Line[] = [
    {
      text: `${r.total} recorded calls in the last ${r.days} days: ${r.counts.allow} would be allowed, ${r.counts.deny} denied, ${r.counts.ask} asked`,
      tone: "bold",
    },
  ];
  if (r.changes.allowedButPersonDenied) lines.push({ text: `${r.changes.allowedButPersonDenied} allowed that a person denied`, tone: "warn" });
  if (r.changes.deniedButPersonApproved) lines.push({ text: `${r.changes.deniedButPersonApproved} denied that a person approved`, tone: "warn" });
  for (const d of ["allow", "deny", "ask"] as const) {
    if (!r[d].length) continue;
    lines.push({ text: `\nwould ${d}:`, tone: "bold" });
    const rows = r[d].map((i) => [
      when(i.createdAt).slice(0, 16),
      i.toolName,
      i.summary.slice(0, 60),
      `${i.actual.status}${i.actual.decidedBy ? ` by ${i.actual.decidedBy}` : ""}`,
    ]);
    lines.push(...table(["AT", "TOOL", "CALL", "ACTUALLY"], rows).map((text) => ({ text })));
  }
  if (r.truncated) lines.push({ text: "(lists cut; the counts are exact; --limit shows more)", tone: "dim" });
  return lines;
}

export function rulesCommand(ctx: CliContext): Command {
  const cmd = new Command("rules").description("the workspace's approval rules: allow, deny or ask before a person is asked");
  cmd
    .command("show")
    .description("print the current rule set as written")
    .option("--json", "print the version, its author and the parsed rules as JSON")
    .action(async (flags: { json?: boolean }, sub: Command) => {
      const v = await clientFor(ctx, sub).getRules();
      if (flags.json) return printJson(ctx.io, v);
      ctx.io.out(`# version ${v.version}, saved ${when(v.createdAt)}${v.authorId ? ` by ${v.authorId}` : ""}\n${v.source}`);
    });
  cmd
    .command("apply")
    .argument("<file>", "the rule set, YAML or JSON")
    .description("save FILE as the new version of the rules (owners and admins)")
    .option("--json", "print the saved version as JSON")
    .action(async (file: string, flags: { json?: boolean }, sub: Command) => {
      const v = await clientFor(ctx, sub).putRules(readRules(ctx, file));
      if (flags.json) return printJson(ctx.io, v);
      printLines(ctx.io, [{ text: `rules saved as version ${v.version} (${v.ruleSet.rules.length} rules)`, tone: "ok" }]);
    });
  cmd
    .command("edit")
    .description("edit the rules in $EDITOR and save them as a new version")
    .action(async (_flags: unknown, sub: Command) => {
      const client = clientFor(ctx, sub);
      const cur = await client.getRules();
      const dir = mkdtempSync(join(tmpdir(), "tower-rules-"));
      const path = join(dir, "rules.yaml");
      try {
        writeFileSync(path, cur.source);
        const editor = ctx.env.VISUAL ?? ctx.env.EDITOR ?? "vi";
        const r = spawnSync(editor, [path], { stdio: "inherit", shell: true });
        if (r.status !== 0) throw new CliError("USAGE", `${editor} exited with ${r.status ?? r.signal}`, "the rules were not changed");
        const next = readFileSync(path, "utf8");
        if (next === cur.source) return printLines(ctx.io, [{ text: "no change", tone: "dim" }]);
        const v = await client.putRules(next, cur.version);
        printLines(ctx.io, [{ text: `rules saved as version ${v.version}`, tone: "ok" }]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  cmd
    .command("test")
    .description("what the rules would decide for one call")
    .requiredOption("--tool <name>", "the tool, e.g. Bash, Edit, WebFetch, mcp__github__get_issue", textFlag)
    .option("--command <text>", "a Bash command", textFlag)
    .option("--path <path>", "the file a Read, Write or Edit names", textFlag)
    .option("--url <url>", "the URL a WebFetch names", textFlag)
    .option("--cwd <dir>", "the session's working directory", textFlag)
    .option("--machine <name>", "the machine (id or name) the session runs on", textFlag)
    .option("--file <rules>", "test this rule set instead of the current one")
    .option("--json", "print the verdict as JSON")
    .action(
      async (
        f: { tool: string; command?: string; path?: string; url?: string; cwd?: string; machine?: string; file?: string; json?: boolean },
        sub: Command,
      ) => {
        const input = { ...(f.command ? { command: f.command } : {}), ...(f.path ? { file_path: f.path } : {}), ...(f.url ? { url: f.url } : {}) };
        const v = await clientFor(ctx, sub).testRules({
          call: { toolName: f.tool, input, cwd: f.cwd ?? ctx.cwd, ...(f.machine ? { machine: f.machine } : {}) },
          ...(f.file ? { source: readRules(ctx, f.file) } : {}),
        });
        if (f.json) return printJson(ctx.io, v);
        printLines(ctx.io, verdictLines(v));
      },
    );
  cmd
    .command("history")
    .description("every version of the rules, newest first, with its author and time")
    .option("--json", "print the versions as JSON")
    .action(async (flags: { json?: boolean }, sub: Command) => {
      const { versions } = await clientFor(ctx, sub).rulesHistory();
      if (flags.json) return printJson(ctx.io, { versions });
      if (!versions.length) return printLines(ctx.io, [{ text: "no rules yet: tower rules apply FILE", tone: "dim" }]);
      const rows = versions.map((v) => [`v${v.version}`, when(v.createdAt), v.authorId ?? "", String(v.ruleSet.rules.length)]);
      printLines(
        ctx.io,
        table(["VERSION", "SAVED", "AUTHOR", "RULES"], rows, [3]).map((text) => ({ text })),
      );
    });
  cmd
    .command("replay")
    .description("dry run: what the rules (or FILE) would have decided for the recorded calls of the last days")
    .option("--days <n>", "how many days back", countFlag(1, 90), 7)
    .option("--file <rules>", "replay this rule set instead of the current one")
    .option("--limit <n>", "the most calls listed per decision", countFlag(1, 1000), 50)
    .option("--json", "print the result as JSON")
    .action(async (f: { days: number; file?: string; limit: number; json?: boolean }, sub: Command) => {
      const r = await clientFor(ctx, sub).replayRules({ days: f.days, limit: f.limit, ...(f.file ? { source: readRules(ctx, f.file) } : {}) });
      if (f.json) return printJson(ctx.io, r);
      printLines(ctx.io, replayLines(r));
    });
  return cmd;
}
