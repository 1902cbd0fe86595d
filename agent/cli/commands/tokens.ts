/**
 * `tower tokens create|ls|revoke|rotate`: personal API tokens for scripts, CI and a phone's sign-in
 * link, through the same /api/tokens routes the web's Settings use. A new or rotated token's secret is
 * printed once (the server stores only its hash), so the output says so.
 */
import { Command } from "commander";
import { z } from "zod";
import { TokenScope, type IssuedToken, type TokenInfo } from "../../../worker/protocol/members";
import { clientFor, countFlag, flagParser, textFlag, type CliContext } from "../config";
import { printJson, printLines, table, type Line } from "../output";
import { formatAge } from "../render";

const scopesFlag = flagParser(
  z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(TokenScope, { error: `use ${TokenScope.options.join(", ")}` }).min(1, "give at least one scope")),
);

function issuedLines(baseUrl: string, issued: IssuedToken, verb: string): Line[] {
  return [
    { text: `${verb} ${issued.info.id} "${issued.info.name}" (${issued.info.scopes.join(",")})`, tone: "ok" },
    { text: issued.token, tone: "bold" },
    { text: "  shown once: Tower keeps only its hash. Use it with TOWER_TOKEN, --token, or sign a browser in:", tone: "dim" },
    { text: `  ${baseUrl}/signin#token=${issued.token}`, tone: "dim" },
  ];
}

function state(t: TokenInfo, now: number): string {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt !== null && t.expiresAt <= now) return "expired";
  return t.expiresAt === null ? "active" : `expires in ${formatAge(t.expiresAt - now)}`;
}

export function tokensCommand(ctx: CliContext): Command {
  const cmd = new Command("tokens").description("create, list, revoke and rotate personal API tokens");
  cmd
    .command("create")
    .description("create a token; its secret is printed once")
    .argument("<name>", "what the token is for, e.g. ci or phone", textFlag)
    .option("--scopes <a,b>", `what it may do: ${TokenScope.options.join(", ")} (default *)`, scopesFlag)
    .option("--expires-in-days <n>", "days until it expires (1-365, default 90)", countFlag(1, 365))
    .option("--json", "print the token and its record as JSON")
    .action(async (name: string, flags: { scopes?: TokenScope[]; expiresInDays?: number; json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      const issued = await client.createToken({
        name,
        ...(flags.scopes ? { scopes: flags.scopes } : {}),
        ...(flags.expiresInDays ? { expiresInDays: flags.expiresInDays } : {}),
      });
      if (flags.json) return printJson(ctx.io, issued);
      printLines(ctx.io, issuedLines(client.baseUrl, issued, "created"));
    });
  cmd
    .command("ls")
    .description("list your tokens (--all: every token of the workspace, for admins)")
    .option("--all", "every token of the workspace (owners and admins)")
    .option("--json", "print as JSON")
    .action(async (flags: { all?: boolean; json?: boolean }, sub: Command) => {
      const { tokens } = await clientFor(ctx, sub).listTokens(flags.all === true);
      if (flags.json) return printJson(ctx.io, { tokens });
      if (!tokens.length) return printLines(ctx.io, [{ text: "no tokens: tower tokens create NAME", tone: "dim" }]);
      const now = ctx.now();
      const rows = tokens.map((t) => [t.id, t.name, t.kind, t.subject, t.scopes.join(","), `${formatAge(now - t.createdAt)} ago`, state(t, now)]);
      const [header = "", ...body] = table(["ID", "NAME", "KIND", "OWNER", "SCOPES", "CREATED", "STATE"], rows);
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text }))]);
    });
  cmd
    .command("revoke")
    .description("revoke a token now; anything using it is refused from then on")
    .argument("<id>", "the token's id (tower tokens ls)", textFlag)
    .option("--json", "print the token's record as JSON")
    .action(async (id: string, flags: { json?: boolean }, sub: Command) => {
      const info = await clientFor(ctx, sub).revokeToken(id);
      if (flags.json) return printJson(ctx.io, info);
      printLines(ctx.io, [{ text: `revoked ${info.id} "${info.name}"`, tone: "ok" }]);
    });
  cmd
    .command("rotate")
    .description("replace a token with a new secret (same name and scopes); the old one stops working")
    .argument("<id>", "the token's id (tower tokens ls)", textFlag)
    .option("--json", "print the new token and its record as JSON")
    .action(async (id: string, flags: { json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      const issued = await client.rotateToken(id);
      if (flags.json) return printJson(ctx.io, issued);
      printLines(ctx.io, issuedLines(client.baseUrl, issued, `rotated ${id} into`));
    });
  return cmd;
}
