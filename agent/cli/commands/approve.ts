/**
 * `tower approve`: lets one pending tool call run, optionally with an edited input. The first
 * decision wins on the server; approving again is idempotent, a conflicting decision exits 5.
 * Either command first reads the approval, so the decision names the hash of the input it shows, and
 * signs it with this device's key when it has one (`tower keys add`).
 * `--always` also adds the narrowest rule for the call, once the person confirms it.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { stringify } from "yaml";
import { DecisionChoice, ToolInput, type Approval } from "../../../worker/protocol/approval";
import { proposeRule, type AlwaysAllowResult } from "../../../worker/protocol/rule-proposal";
import { Rule } from "../../../worker/protocol/rules";
import type { ApprovalId } from "../../../worker/protocol/ids";
import { approvalIdArg, clientFor, invalidFlags, type CliContext } from "../config";
import { CliError, printJson, printLines } from "../output";
import { summarizeToolInput } from "../render";
import { readDeviceKey, signDecision } from "../device-key";

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
  // The room refuses it too; said here first, before any decision is sent.
  if (shown.requiresUserInteraction && choice.decision === "approve" && !choice.confirmed)
    throw new CliError(
      "USAGE",
      `Claude Code requires a person to answer this ${shown.toolName} call, so it is never approved in one step`,
      `look at it, then: tower approve ${id} --confirm`,
    );
  // With a device key (`tower keys add`) the decision is signed over exactly the call shown.
  const key = readDeviceKey(ctx, { server: client.baseUrl });
  const signed = key ? signDecision(key, shown, choice, ctx.now()) : undefined;
  return client.decide(id, { ...choice, inputSha256: shown.inputSha256, ...(signed ? { signed } : {}) });
}

/**
 * `--always`: the narrowest rule for this call (the proposal the web card shows), shown, confirmed
 * (y/N on a terminal, `--yes` in scripts), then added by the server as a new version of the workspace's
 * rules, which approves the call. Nothing is added when it cannot be confirmed.
 */
async function alwaysAllow(ctx: CliContext, cmd: Command, id: ApprovalId, yes: boolean): Promise<AlwaysAllowResult> {
  const client = clientFor(ctx, cmd);
  const shown = await client.approval(id);
  if (shown.status !== "pending")
    throw new CliError("CONFLICT", `approval ${id} is already ${shown.status}; no rule was added`, "`tower approvals` lists what still waits");
  const session = await client.getSession(shown.sessionId);
  const proposal = proposeRule({ ...shown, cwd: session.cwd }, ctx.now());
  if (!proposal.ok) throw new CliError("BAD_REQUEST", `no "always allow" rule can be made for ${id}: ${proposal.why}`, `decide it once: tower approve ${id}`);
  printLines(ctx.io, [{ text: `${proposal.summary}. This rule is added to the workspace's approval rules:` }]);
  ctx.io.out(stringify([proposal.rule], { lineWidth: 0 }));
  if (!yes) {
    if (!ctx.confirm)
      throw new CliError(
        "USAGE",
        "--always adds a rule for everyone, so it asks first, and there is no terminal to ask on",
        `confirm in advance: tower approve ${id} --always --yes`,
      );
    if (!(await ctx.confirm("Add this rule and approve the call?"))) {
      printLines(ctx.io, [{ text: "nothing added; the call still waits", tone: "dim" }]);
      throw new CliError("USAGE", "not confirmed", `approve it once instead: tower approve ${id}`);
    }
  }
  return client.alwaysAllow(id, { inputSha256: shown.inputSha256, rule: Rule.parse(proposal.rule) });
}

export function approveCommand(ctx: CliContext): Command {
  return new Command("approve")
    .description("approve a pending tool call (--always: and add a rule that allows calls like it)")
    .argument("<approval-id>", "the approval (apr_…), as `tower approvals` or `tower watch` shows it", approvalIdArg)
    .option("--comment <text>", "a note for the record")
    .option("--input <json|@file>", "run the tool with this input instead: a JSON object, or @path to a JSON file", toolInputFlag(ctx.cwd))
    .option("--always", "also allow calls like this from now on: shows the narrowest rule for it, asks, and adds it to the workspace's rules")
    .option("--yes", "with --always: add the rule without asking (for scripts)")
    .option("--confirm", "required for a call Claude Code says a person must answer: you confirm you looked at it")
    .option("--json", "print the decided approval as JSON")
    .action(
      async (
        id: ApprovalId,
        flags: { comment?: string; input?: ToolInput; always?: boolean; yes?: boolean; confirm?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (flags.always) {
          if (flags.input || flags.comment)
            throw new CliError("USAGE", "--always approves the call as asked: it takes no --input or --comment", `tower approve ${id} --always`);
          const r = await alwaysAllow(ctx, cmd, id, flags.yes === true);
          if (flags.json) return printJson(ctx.io, r);
          return printLines(ctx.io, [
            { text: `added rule ${r.ruleId} (rules version ${r.version}); ${r.approval.status} ${r.approval.id}: ${r.approval.toolName}`, tone: "ok" },
          ]);
        }
        if (flags.yes) throw new CliError("USAGE", "--yes only confirms --always", `tower approve ${id} --always --yes`);
        const choice = DecisionChoice.safeParse({
          decision: "approve",
          comment: flags.comment,
          updatedInput: flags.input,
          confirmed: flags.confirm || undefined,
        });
        if (!choice.success) throw invalidFlags(choice.error, { comment: "--comment", updatedInput: "--input" }, "tower approve --help");
        const approval = await decideOn(ctx, cmd, id, choice.data);
        if (flags.json) return printJson(ctx.io, approval);
        const summary = summarizeToolInput(approval.toolName, approval.updatedInput ?? approval.input);
        printLines(ctx.io, [{ text: `${approval.status} ${approval.id}: ${approval.toolName}${summary ? ` ${summary}` : ""}`, tone: "ok" }]);
      },
    );
}
