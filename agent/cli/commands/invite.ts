/**
 * `tower invite` makes an invitation link (admins); `tower join` accepts one and saves the token
 * it brings, so a new teammate is set up with one command.
 */
import { Command } from "commander";
import { createApiClient } from "../../../worker/client";
import { WorkspaceRole } from "../../../worker/protocol/members";
import { clientFor, countFlag, flagParser, configPath, readConfigFile, saveConfig, serverFor, textFlag, type CliContext } from "../config";
import { CliError, printJson, printLines } from "../output";

export function inviteCommand(ctx: CliContext): Command {
  return new Command("invite")
    .description("create an invitation link (owners and admins)")
    .option("--role <role>", "admin, member or viewer", flagParser(WorkspaceRole.exclude(["owner"])), "member")
    .option("--email <email>", "only this address may accept it", textFlag)
    .option("--expires-in-hours <n>", "how long the link works", countFlag(1, 720), 72)
    .option("--json", "print the invitation as JSON")
    .action(async (flags: { role: "admin" | "member" | "viewer"; email?: string; expiresInHours: number; json?: boolean }, cmd: Command) => {
      const r = await clientFor(ctx, cmd).createInvitation({
        role: flags.role,
        expiresInHours: flags.expiresInHours,
        ...(flags.email ? { email: flags.email } : {}),
      });
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
    .description("accept an invitation: as a new account (--name, --email), or with the account you are signed in as")
    .argument("<code-or-link>", "the code, or the whole link")
    .option("--name <name>", "your name, for a new account", textFlag)
    .option("--email <email>", "your email, for a new account", textFlag)
    .option("--json", "print the result as JSON")
    .action(async (codeOrLink: string, flags: { name?: string; email?: string; json?: boolean }, cmd: Command) => {
      const code = codeOrLink.includes("#") ? codeOrLink.slice(codeOrLink.indexOf("#") + 1) : codeOrLink;
      if (!code.startsWith("inv_"))
        throw new CliError("USAGE", "that is not an invitation code or link", "paste the whole link you were sent, or the code after its #");
      const url = codeOrLink.startsWith("http") ? new URL(codeOrLink).origin : serverFor(ctx, cmd);
      const newcomer = flags.name !== undefined || flags.email !== undefined;
      if (newcomer && (!flags.name || !flags.email))
        throw new CliError("USAGE", "a new account needs both --name and --email", "give both, or neither to join with the account you are signed in as");
      // An existing account joins as itself (its saved token); an invitation never makes or takes an account by email alone.
      const token = newcomer ? "" : signedInToken(ctx, cmd, url);
      const client = createApiClient({ baseUrl: url, token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
      const r = await client.acceptInvitation({ code, ...(newcomer ? { name: flags.name, email: flags.email } : {}) });
      const path = saveConfig(ctx, { url, token: r.token });
      if (flags.json) return printJson(ctx.io, { url, workspaceId: r.workspaceId, userId: r.userId, role: r.role, config: path });
      printLines(ctx.io, [{ text: `joined workspace ${r.workspaceId} as ${r.role}; token saved in ${path}`, tone: "ok" }]);
    });
}

/**
 * The token this CLI is signed in with on `url`: --token, TOWER_TOKEN, or the config file's token
 * only when the file is for that same server (a link from elsewhere never receives our token).
 */
function signedInToken(ctx: CliContext, cmd: Command, url: string): string {
  const explicit = cmd.optsWithGlobals<{ token?: string }>().token ?? ctx.env.TOWER_TOKEN;
  const file = readConfigFile(configPath(ctx.env, ctx.homeDir));
  const token = explicit ?? (file?.url?.replace(/\/+$/, "") === url ? file.token : undefined);
  if (!token)
    throw new CliError(
      "USAGE",
      `you are not signed in to ${url}`,
      "sign in first (`tower login`) to join with your account, or give --name and --email to create a new one",
    );
  return token;
}
