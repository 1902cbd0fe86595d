/**
 * `tower login`: signs this terminal in with the device flow and saves the server and token in the
 * config file; `tower device approve|deny CODE` is the other half, from a signed-in terminal.
 */
import { Command } from "commander";
import { createApiClient } from "../../../worker/client";
import { UserCode } from "../../../worker/protocol/enrollment";
import { clientFor, flagParser, saveConfig, serverFor, type CliContext } from "../config";
import { printJson, printLines } from "../output";
import { deviceSignIn } from "../sign-in";

export function loginCommand(ctx: CliContext): Command {
  return new Command("login")
    .description("sign this terminal in (device code: approve it in the browser or from another terminal)")
    .option("--json", "print the result as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const url = serverFor(ctx, cmd);
      const client = createApiClient({ baseUrl: url, token: "", ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
      const done = await deviceSignIn(client, { kind: "cli" }, (lines) =>
        printLines(
          ctx.io,
          lines.map((text) => ({ text })),
        ),
      );
      const path = saveConfig(ctx, { url, token: done.token });
      if (flags.json) return printJson(ctx.io, { url, workspaceId: done.workspaceId, config: path });
      printLines(ctx.io, [{ text: `signed in to ${url} (workspace ${done.workspaceId}); saved in ${path}`, tone: "ok" }]);
    });
}

export function deviceCommand(ctx: CliContext): Command {
  const decide = (decision: "approve" | "deny") =>
    new Command(decision)
      .description(decision === "approve" ? "approve a sign-in code shown by `tower login` or `tower agent --enroll`" : "refuse a sign-in code")
      .argument("<code>", "the code, like ABCD-EFGH", flagParser(UserCode))
      .action(async (code: string, _flags: unknown, cmd: Command) => {
        const r = await clientFor(ctx, cmd).decideDeviceSignIn(code, decision);
        const what = r.kind === "agent" ? `the machine "${r.machineName}"` : "the terminal";
        printLines(ctx.io, [
          { text: decision === "approve" ? `approved: ${what} is signed in` : `denied ${what}`, tone: decision === "approve" ? "ok" : "warn" },
        ]);
      });
  return new Command("device").description("approve or deny a device sign-in").addCommand(decide("approve")).addCommand(decide("deny"));
}
