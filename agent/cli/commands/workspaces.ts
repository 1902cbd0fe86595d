/**
 * `tower workspaces` lists the workspaces you belong to; `tower switch ID` gets a token for another
 * one and saves it, so later commands act there.
 */
import { Command } from "commander";
import { clientFor, saveConfig, serverFor, textFlag, type CliContext } from "../config";
import { printJson, printLines, table } from "../output";

export function workspacesCommand(ctx: CliContext): Command {
  return new Command("workspaces")
    .description("list the workspaces you belong to (* marks the current one)")
    .option("--json", "print them as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const me = await clientFor(ctx, cmd).me();
      if (flags.json) return printJson(ctx.io, me);
      const rows = me.workspaces.map((w) => [w.workspaceId === me.workspaceId ? "*" : "", w.workspaceId, w.name, w.role]);
      printLines(
        ctx.io,
        table(["", "ID", "NAME", "ROLE"], rows).map((text) => ({ text })),
      );
    });
}

export function switchCommand(ctx: CliContext): Command {
  return new Command("switch")
    .description("act in another of your workspaces from now on (saves a token for it)")
    .argument("<workspace-id>", "the workspace (wsp_…), from `tower workspaces`", textFlag)
    .action(async (workspaceId: string, _flags: unknown, cmd: Command) => {
      const issued = await clientFor(ctx, cmd).switchWorkspace(workspaceId);
      const path = saveConfig(ctx, { url: serverFor(ctx, cmd), token: issued.token });
      printLines(ctx.io, [{ text: `now working in ${workspaceId}; token saved in ${path}`, tone: "ok" }]);
    });
}
