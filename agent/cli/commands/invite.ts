/**
 * `tower invite` makes an invitation link (admins); `tower join` accepts one and saves the token
 * it brings, so a new teammate is set up with one command.
 */
import { Command } from "commander";
import { createApiClient } from "../../../worker/client";
import { WorkspaceRole } from "../../../worker/protocol/members";
import { clientFor, countFlag, flagParser, saveConfig, serverFor, textFlag, type CliContext } from "../config";
import { CliError, printJson, printLines } from "../output";

export function inviteCommand(ctx: CliContext): Command {
  return new Command("invite")
    .description("create an invitation link (owners and admins)")
    .option("--role <role>", "admin, member or viewer", flagParser(WorkspaceRole.exclude(["owner"])), "member")
    .option("--email <email>", "only this address may accept it", textFlag)
    .option("--expires-in-hours <n>", "how long the link works", countFlag(1, 720), 72)
    .option("--json", "print the invitation as JSON")
    .action(async (flags: { role: "admin" | "member" | "viewer"; email?: string; expiresInHours: number; json?: boolean }, cmd: Command) => {
      const r = await clientFor(ctx, cmd).createInvitation({ role: flags.role, expiresInHours: flags.expiresInHours, ...(flags.email ? { email: flags.email } : {}) });
      if (flags.json) return printJson(ctx.io, r);
      printLines(ctx.io, [
        { text: `invitation for a ${r.invitation.role}${r.invitation.email ? ` (${r.invitation.email})` : ""}, valid ${flags.expiresInHours} h:` },
        { text: `  ${r.url}` },
        { text: `  or: tower join ${r.code} --server ${new URL(r.url).origin} --name "Your Name" --email you@example.com`, tone: "dim" },
      ]);
    });
}

export function joinCommand(ctx: CliContext): Command {
  return new Command("join")
    .description("accept an invitation and save the token it brings")
    .argument("<code-or-link>", "the code, or the whole link")
    .requiredOption("--name <name>", "your name", textFlag)
    .requiredOption("--email <email>", "your email", textFlag)
    .option("--json", "print the result as JSON")
    .action(async (codeOrLink: string, flags: { name: string; email: string; json?: boolean }, cmd: Command) => {
      const code = codeOrLink.includes("#") ? codeOrLink.slice(codeOrLink.indexOf("#") + 1) : codeOrLink;
      if (!code.startsWith("inv_")) throw new CliError("USAGE", "that is not an invitation code or link", "paste the whole link you were sent, or the code after its #");
      const url = codeOrLink.startsWith("http") ? new URL(codeOrLink).origin : serverFor(ctx, cmd);
      const client = createApiClient({ baseUrl: url, token: "", ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
      const r = await client.acceptInvitation({ code, name: flags.name, email: flags.email });
      const path = saveConfig(ctx, { url, token: r.token });
      if (flags.json) return printJson(ctx.io, { url, workspaceId: r.workspaceId, userId: r.userId, role: r.role, config: path });
      printLines(ctx.io, [{ text: `joined workspace ${r.workspaceId} as ${r.role}; token saved in ${path}`, tone: "ok" }]);
    });
}
