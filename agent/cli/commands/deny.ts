/**
 * `tower deny`: refuses one pending tool call. The comment is required because it is what Claude
 * reads to decide what to do instead; a deny without one is stopped here, before any request.
 */
import { Command } from "commander";
import type { ApprovalId } from "../../../worker/protocol/ids";
import { approvalIdArg, type CliContext } from "../config";
import { CliError, printJson, printLines } from "../output";
import { decideOn } from "./approve";

export function denyCommand(ctx: CliContext): Command {
  return new Command("deny")
    .description("deny a pending tool call, telling Claude why")
    .argument("<approval-id>", "the approval (apr_…)", approvalIdArg)
    .option("--comment <text>", "required: what Claude should do instead (Claude reads it)")
    .option("--json", "print the decided approval as JSON")
    .action(async (id: ApprovalId, flags: { comment?: string; json?: boolean }, cmd: Command) => {
      const comment = flags.comment?.trim();
      if (!comment) {
        throw new CliError("USAGE", "deny needs --comment: Claude reads it to know what to do instead", `tower deny ${id} --comment "use pnpm instead of npm"`);
      }
      const approval = await decideOn(ctx, cmd, id, { decision: "deny", comment });
      if (flags.json) return printJson(ctx.io, approval);
      printLines(ctx.io, [{ text: `${approval.status} ${approval.id}: ${approval.toolName} — "${comment}"`, tone: "warn" }]);
    });
}
