/**
 * `tower pipeline run|ls|show|cancel|retry`: start a pipeline from its YAML file, list and show runs
 * (the graph with every step's status, machine and session), cancel a run, and re-run its failed steps.
 * `run --wait` follows the run on the workspace socket (`pipeline-upsert` frames) until it ends.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import type WebSocket from "ws";
import { connectWorkspace, type ApiClient } from "../../../worker/client";
import type { RunView, StepStatus } from "../../../worker/protocol/pipelines";
import { clientFor, countFlag, type CliContext } from "../config";
import { authedWebSocket } from "../live";
import { CliError, EXIT, paint, printJson, printLines, table, type Line, type Tone } from "../output";
import { formatAge, formatCost } from "../render";
import { paramFlag } from "../params";

const TONE: Record<StepStatus, Tone | undefined> = {
  pending: "dim",
  queued: "warn",
  running: "accent",
  retrying: "warn",
  succeeded: "ok",
  failed: "error",
  skipped: "dim",
  cancelled: "dim",
};

/**
 * The run as lines: a header, then one row per step in graph order. A running step whose session is
 * in `waitingForApproval` says so: the step runs, but its session waits on a human.
 */
export function runLines(run: RunView, color: boolean, waitingForApproval: ReadonlySet<string> = new Set()): Line[] {
  const rows = run.steps.map((s) => [
    s.status === "running" && s.sessionId && waitingForApproval.has(s.sessionId)
      ? paint("waiting for approval", "warn", color)
      : paint(s.status, TONE[s.status], color),
    s.id,
    s.needs.join(",") || "-",
    s.agentName ?? "-",
    s.attempts > 1 ? `${s.attempts}/${s.maxAttempts}` : String(s.attempts),
    s.sessionId ?? "-",
    s.statusReason,
  ]);
  const [header = "", ...body] = table(["STATUS", "STEP", "NEEDS", "MACHINE", "TRIES", "SESSION", "WHY"], rows);
  return [
    { text: `${run.name} ${run.id}  ${run.status}  ${formatCost(run.costUsd)}  ${run.statusReason}`, tone: "bold" },
    { text: header, tone: "dim" },
    ...body.map((text) => ({ text })),
  ];
}

const exitFor = (run: RunView) => (run.status === "succeeded" ? EXIT.ok : EXIT.failed);

/** Follows a run until it ends; prints each step's status change once. */
async function follow(ctx: CliContext, client: ApiClient, first: RunView, json: boolean): Promise<number> {
  const seen = new Map(first.steps.map((s) => [s.id, s.status]));
  const sockets = new Set<WebSocket>();
  const Authed = await authedWebSocket(client.token, sockets);
  return new Promise((resolveExit) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      live.close();
      for (const s of sockets) s.terminate();
      resolveExit(code);
    };
    const onRun = (run: RunView) => {
      for (const s of run.steps) {
        if (seen.get(s.id) === s.status) continue;
        seen.set(s.id, s.status);
        if (json) ctx.io.out(`${JSON.stringify({ step: s.id, status: s.status, reason: s.statusReason, sessionId: s.sessionId, agent: s.agentName })}\n`);
        else printLines(ctx.io, [{ text: `${s.id}: ${s.status}${s.agentName ? ` on ${s.agentName}` : ""} — ${s.statusReason}`, tone: TONE[s.status] }]);
      }
      if (run.status !== "running") {
        if (json) printJson(ctx.io, run);
        else printLines(ctx.io, [{ text: `run ${run.status}: ${run.statusReason}`, tone: run.status === "succeeded" ? "ok" : "error" }]);
        finish(exitFor(run));
      }
    };
    const live = connectWorkspace({
      baseUrl: client.baseUrl,
      WebSocket: Authed,
      onFrame: (f) => {
        if (f.type === "pipeline-upsert" && f.run.id === first.id) onRun(f.run);
        // A frame may have passed before the socket opened: read the run once it is open.
        if (f.type === "hello") void client.getPipelineRun(first.id).then(onRun, () => undefined);
      },
    });
    process.once("SIGINT", () => finish(EXIT.sigint));
  });
}

/** The run's sessions that wait for an approval (one list request, only when a step runs). */
async function waitingSessions(client: ApiClient, run: RunView): Promise<Set<string>> {
  if (!run.steps.some((s) => s.status === "running" && s.sessionId)) return new Set();
  const { sessions } = await client.listSessions({ status: ["waiting_for_approval", "parked"], archived: "all", limit: 200 });
  return new Set(sessions.map((s) => s.id));
}

export function pipelineCommand(ctx: CliContext): Command {
  const cmd = new Command("pipeline").description("run pipelines of sessions; list, show, cancel and re-run runs");
  cmd
    .command("run")
    .description("start a run of a pipeline YAML file")
    .argument("<file>", "the pipeline's YAML file")
    .option("--param <k=v>", "a pipeline parameter (repeatable)", paramFlag)
    .option("--wait", "follow the run until it ends; exit 0 succeeded, 1 failed or cancelled")
    .option("--json", "print the run as JSON (with --wait: one line per step change, then the run)")
    .action(async (file: string, flags: { param?: Record<string, string>; wait?: boolean; json?: boolean }, sub: Command) => {
      let yaml: string;
      try {
        yaml = readFileSync(resolve(ctx.cwd, file), "utf8");
      } catch (e) {
        throw new CliError("USAGE", `Cannot read ${file}: ${(e as Error).message}`, "give the path of a pipeline YAML file");
      }
      const client = clientFor(ctx, sub);
      const run = await client.startPipelineRun({ yaml, params: flags.param ?? {} });
      if (flags.json && !flags.wait) return printJson(ctx.io, run);
      if (!flags.json)
        printLines(ctx.io, [
          { text: `started ${run.name} ${run.id} (${run.steps.length} steps)`, tone: "bold" },
          ...(flags.wait ? [] : [{ text: `  tower pipeline show ${run.id}`, tone: "dim" as const }]),
        ]);
      if (flags.wait) ctx.exitCode = await follow(ctx, client, run, flags.json === true);
    });
  cmd
    .command("ls")
    .description("list runs, newest first")
    .option("--limit <n>", "at most this many (1-100, default 30)", countFlag(1, 100))
    .option("--json", "print as JSON")
    .action(async (flags: { limit?: number; json?: boolean }, sub: Command) => {
      const { runs } = await clientFor(ctx, sub).listPipelineRuns(flags.limit ? { limit: flags.limit } : {});
      if (flags.json) return printJson(ctx.io, { runs });
      if (!runs.length) return printLines(ctx.io, [{ text: "no pipeline runs yet: tower pipeline run FILE.yaml", tone: "dim" }]);
      const now = ctx.now();
      const rows = runs.map((r) => {
        const count = (s: StepStatus) => r.steps.filter((x) => x.status === s).length;
        return [
          paint(r.status, r.status === "succeeded" ? "ok" : r.status === "failed" ? "error" : r.status === "running" ? "accent" : "dim", ctx.io.color),
          r.id,
          r.name,
          `${count("succeeded")}/${r.steps.length}`,
          String(count("running")),
          String(count("queued")),
          formatCost(r.costUsd),
          `${formatAge(now - r.createdAt)} ago`,
        ];
      });
      const [header = "", ...body] = table(["STATUS", "ID", "NAME", "DONE", "RUNNING", "QUEUED", "COST", "STARTED"], rows);
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text }))]);
    });
  for (const [name, description] of [
    ["show", "show a run: every step with its status, machine and session"],
    ["cancel", "cancel a run and interrupt its running sessions"],
    ["retry", "re-run the steps of a failed or cancelled run that did not succeed"],
  ] as const) {
    cmd
      .command(name)
      .description(description)
      .argument("<run>", "run id (run_…)")
      .option("--json", "print the run as JSON")
      .action(async (id: string, flags: { json?: boolean }, sub: Command) => {
        const client = clientFor(ctx, sub);
        const run =
          name === "show" ? await client.getPipelineRun(id) : name === "cancel" ? await client.cancelPipelineRun(id) : await client.retryPipelineRun(id);
        if (flags.json) return printJson(ctx.io, run);
        printLines(ctx.io, runLines(run, ctx.io.color, await waitingSessions(client, run)));
      });
  }
  return cmd;
}
