/**
 * `tower audit`: the workspace's audit log for owners and admins, filtered, and `tower audit
 * verify`, which recomputes the hash chain and names the first entry that was edited or removed.
 */
import { Command } from "commander";
import { clientFor, countFlag, textFlag, type CliContext } from "../config";
import { EXIT, printJson, printLines, table } from "../output";

/**
 * Entries written by an HTTP request name the actor as `name (usr_…)`, those a session room writes
 * as `name` alone: the table shows the name, one format; --json keeps what was chained.
 */
export function actorName(actor: string): string {
  return actor.replace(/ \((?:usr|agt|tok)_[0-9a-z]+\)$/i, "");
}

export function auditCommand(ctx: CliContext): Command {
  const list = new Command("list")
    .description("show audit entries in order")
    .option("--action <action>", "only this action, e.g. approval.approved", textFlag)
    .option("--actor <actor>", "only this actor", textFlag)
    .option("--target <id>", "only this target (a session, approval or token id)", textFlag)
    .option("--after <seq>", "entries after this sequence number", countFlag(0, Number.MAX_SAFE_INTEGER), 0)
    .option("--limit <n>", "how many", countFlag(1, 1000), 100)
    .option("--json", "print the entries as JSON")
    .action(async (flags: { action?: string; actor?: string; target?: string; after: number; limit: number; json?: boolean }, cmd: Command) => {
      const { json, ...q } = flags;
      const { entries } = await clientFor(ctx, cmd).listAudit(q);
      if (json) return printJson(ctx.io, entries);
      const rows = entries.map((e) => [String(e.seq), new Date(e.at).toISOString(), actorName(e.actor), e.via, e.action, e.target]);
      printLines(
        ctx.io,
        table(["SEQ", "AT", "ACTOR", "VIA", "ACTION", "TARGET"], rows, [0]).map((text) => ({ text })),
      );
    });
  const verify = new Command("verify")
    .description("check the audit log's hash chain; exits 1 and names the first bad entry if it was tampered with")
    .option("--json", "print the result as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const v = await clientFor(ctx, cmd).verifyAudit();
      if (flags.json) printJson(ctx.io, v);
      else if (v.ok) printLines(ctx.io, [{ text: `audit log intact: ${v.checked} entries chain correctly`, tone: "ok" }]);
      else printLines(ctx.io, [{ text: `audit log broken at entry ${v.brokenAt}: ${v.reason} (${v.checked} entries before it are intact)`, tone: "error" }]);
      if (!v.ok) ctx.exitCode = EXIT.failed;
    });
  return new Command("audit").description("the workspace's audit log (owners and admins)").addCommand(list, { isDefault: true }).addCommand(verify);
}
