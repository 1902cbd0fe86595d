/**
 * `tower template ls|show|import|export|versions`: the workspace's library of session recipes. Import
 * and export use the YAML file a team keeps in its own repository; errors in a file come back from
 * the server with line and column.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import type { Template } from "../../../worker/protocol/templates";
import { clientFor, type CliContext } from "../config";
import { CliError, printJson, printLines, table } from "../output";
import { formatAge } from "../render";
import { templateRef } from "../params";

function paramsLine(t: Template): string {
  return t.recipe.params.map((p) => `${p.name}:${p.type}${p.default !== undefined ? `=${String(p.default)}` : (p.required ?? true) ? "" : "?"}`).join(" ");
}

function readFile(ctx: CliContext, file: string): string {
  try {
    return readFileSync(resolve(ctx.cwd, file), "utf8");
  } catch (e) {
    throw new CliError("USAGE", `Cannot read ${file}: ${(e as Error).message}`, "give the path of a YAML template file");
  }
}

export function templateCommand(ctx: CliContext): Command {
  const cmd = new Command("template").description("list, show, import and export session templates");
  cmd
    .command("ls")
    .description("list templates (the workspace's and your private ones)")
    .option("--json", "print as JSON")
    .action(async (flags: { json?: boolean }, sub: Command) => {
      const { templates } = await clientFor(ctx, sub).listTemplates();
      if (flags.json) return printJson(ctx.io, { templates });
      if (!templates.length) return printLines(ctx.io, [{ text: "no templates yet: tower template import FILE.yaml", tone: "dim" }]);
      const now = ctx.now();
      const rows = templates.map((t) => [
        t.name,
        `v${t.version}`,
        t.visibility,
        paramsLine(t),
        `${formatAge(now - t.updatedAt)} ago`,
        t.description.split("\n")[0]!.slice(0, 60),
      ]);
      const [header = "", ...body] = table(["NAME", "VERSION", "VISIBILITY", "PARAMS", "UPDATED", "DESCRIPTION"], rows);
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text }))]);
    });
  cmd
    .command("show")
    .description("show a template (NAME or NAME@VERSION) as YAML")
    .argument("<name>", "template name, optionally @version", templateRef)
    .option("--json", "print as JSON")
    .action(async (ref: { name: string; version?: number }, flags: { json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      if (flags.json) return printJson(ctx.io, await client.getTemplate(ref.name, ref.version));
      const out = await client.exportTemplate(ref.name, ref.version);
      ctx.io.out(`# ${out.name} v${out.version}\n${out.yaml}`);
    });
  cmd
    .command("versions")
    .description("list a template's versions, newest first")
    .argument("<name>", "template name")
    .option("--json", "print as JSON")
    .action(async (name: string, flags: { json?: boolean }, sub: Command) => {
      const { versions } = await clientFor(ctx, sub).templateVersions(name);
      if (flags.json) return printJson(ctx.io, { versions });
      const now = ctx.now();
      const [header = "", ...body] = table(
        ["VERSION", "BY", "WHEN"],
        versions.map((v) => [`v${v.version}`, v.createdBy, `${formatAge(now - v.createdAt)} ago`]),
      );
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text }))]);
    });
  cmd
    .command("import")
    .description("create a template from a YAML file, or add a version if it changed")
    .argument("<file>", "the YAML file")
    .option("--json", "print the result as JSON")
    .action(async (file: string, flags: { json?: boolean }, sub: Command) => {
      const r = await clientFor(ctx, sub).importTemplate(readFile(ctx, file));
      if (flags.json) return printJson(ctx.io, r);
      printLines(ctx.io, [{ text: `${r.outcome} ${r.template.name} v${r.template.version}`, tone: r.outcome === "unchanged" ? "dim" : "ok" }]);
    });
  cmd
    .command("export")
    .description("print a template (NAME or NAME@VERSION) as a YAML file")
    .argument("<name>", "template name, optionally @version", templateRef)
    .option("-o, --output <file>", "write to this file instead of stdout")
    .option("--json", "print {name, version, yaml} as JSON")
    .action(async (ref: { name: string; version?: number }, flags: { output?: string; json?: boolean }, sub: Command) => {
      const out = await clientFor(ctx, sub).exportTemplate(ref.name, ref.version);
      if (flags.json && !flags.output) return printJson(ctx.io, out);
      if (flags.output) {
        writeFileSync(resolve(ctx.cwd, flags.output), out.yaml);
        if (flags.json) return printJson(ctx.io, { name: out.name, version: out.version, file: flags.output });
        printLines(ctx.io, [{ text: `wrote ${out.name} v${out.version} to ${flags.output}`, tone: "dim" }]);
      } else ctx.io.out(out.yaml);
    });
  return cmd;
}
