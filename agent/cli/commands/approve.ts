/**
 * `tower approve`: lets one pending tool call run, optionally with an edited input. The first
 * decision wins on the server; approving again is idempotent, a conflicting decision exits 5.
 * Either command first reads the approval, so the decision names the hash of the input it shows.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { DecisionChoice, ToolInput, type Approval } from "../../../worker/protocol/approval";
import type { ApprovalId } from "../../../worker/protocol/ids";
import { approvalIdArg, clientFor, invalidFlags, type CliContext } from "../config";
import { printJson, printLines } from "../output";
import { summarizeToolInput } from "../render";

/** `--input '{"command":"ls"}'` or `--input @edited.json` (relative to the current directory). */
export function toolInputFlag(cwd: string): (value: string) => ToolInput {
  return (value) => {
    let text = value;
    if (value.startsWith("@")) {
      try {
        text = readFileSync(resolve(cwd, value.slice(1)), "utf8");
      } catch (e) {
        throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(e as Error).message}`);
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new InvalidArgumentError(`not JSON: ${(e as Error).message}`);
    }
    const r = ToolInput.safeParse(json);
    if (!r.success) throw new InvalidArgumentError("must be a JSON object: the tool's whole input");
    return r.data;
  };
}

/**
 * Sends a choice bound to the approval as the server holds it now: the decision names its input's
 * hash, so an input that changed since is refused (409) instead of approved blind.
 */
export async function decideOn(ctx: CliContext, cmd: Command, id: ApprovalId, choice: DecisionChoice): Promise<Approval> {
  const client = clientFor(ctx, cmd);
  const shown = await client.approval(id);
  return client.decide(id, { ...choice, inputSha256: shown.inputSha256 });
}

export function approveCommand(ctx: CliContext): Command {
  return new Command("approve")
    .description("approve a pending tool call")
    .argument("<approval-id>", "the approval (apr_…), as `tower approvals` or `tower watch` shows it", approvalIdArg)
    .option("--comment <text>", "a note for the record")
    .option("--input <json|@file>", "run the tool with this input instead: a JSON object, or @path to a JSON file", toolInputFlag(ctx.cwd))
    .option("--json", "print the decided approval as JSON")
    .action(async (id: ApprovalId, flags: { comment?: string; input?: ToolInput; json?: boolean }, cmd: Command) => {
      const choice = DecisionChoice.safeParse({ decision: "approve", comment: flags.comment, updatedInput: flags.input });
      if (!choice.success) throw invalidFlags(choice.error, { comment: "--comment", updatedInput: "--input" }, "tower approve --help");
      const approval = await decideOn(ctx, cmd, id, choice.data);
      if (flags.json) return printJson(ctx.io, approval);
      const summary = summarizeToolInput(approval.toolName, approval.updatedInput ?? approval.input);
      printLines(ctx.io, [{ text: `${approval.status} ${approval.id}: ${approval.toolName}${summary ? ` ${summary}` : ""}`, tone: "ok" }]);
    });
}
