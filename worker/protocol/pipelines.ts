/**
 * Pipelines on the wire: the definition (YAML or JSON) a client submits, the run and step views the
 * API and the workspace socket (`pipeline-upsert`) return, and the bodies of run, cancel and retry.
 * Shared by the Worker, the Workflow, the web app (its run graph) and the CLI.
 */
import { z } from "zod";
import { LaunchSpec } from "./session";
import { MachineSelector, ParamValue, ParamValues, TemplateParam } from "./templates";

/** "90s", "10m", "2h" or a number of seconds → milliseconds. */
export const Duration = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, 'write a duration like "30s", "10m" or "2h"')])
  .transform((v) => {
    if (typeof v === "number") return Math.round(v * 1000);
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(v)!;
    return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"]);
  });

export const StepName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "a step name is lower-case letters, digits, _ or -, starting with a letter");

/** `retries: 2`, or with backoff: `{ max: 2, backoff: 10s, factor: 2, maxBackoff: 5m }`. */
export const Retries = z.union([
  z
    .number()
    .int()
    .min(0)
    .max(10)
    .transform((max) => ({ max, backoffMs: 5000, factor: 2, maxBackoffMs: 300_000 })),
  z
    .object({
      max: z.number().int().min(0).max(10),
      backoff: Duration.default(5000),
      factor: z.number().min(1).max(10).default(2),
      maxBackoff: Duration.default(300_000),
    })
    .strict()
    .transform((r) => ({ max: r.max, backoffMs: r.backoff, factor: r.factor, maxBackoffMs: r.maxBackoff })),
]);
export type Retries = z.output<typeof Retries>;

/** `count: N` copies, or named values (`model: [a, b]`): one copy per combination, `{{matrix.model}}` in prompts. */
export const Matrix = z.union([
  z.object({ count: z.number().int().min(1).max(100) }).strict(),
  z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.array(ParamValue).min(1).max(100))
    .refine((r) => Object.keys(r).length > 0 && !("count" in r), "give count: N, or named lists of values"),
]);
export type Matrix = z.infer<typeof Matrix>;

const StepOptions = {
  cwd: LaunchSpec.shape.cwd.optional(),
  model: LaunchSpec.shape.model,
  maxTurns: LaunchSpec.shape.maxTurns,
  appendSystemPrompt: LaunchSpec.shape.appendSystemPrompt,
  allowedTools: LaunchSpec.shape.allowedTools,
  disallowedTools: LaunchSpec.shape.disallowedTools,
  additionalDirectories: LaunchSpec.shape.additionalDirectories,
  selector: MachineSelector.optional(),
  retries: Retries.optional(),
  timeout: Duration.optional(),
};

/** One step: a session from a template (`name` or `name@version`) or an inline prompt. */
export const StepSpec = z
  .object({
    template: z.string().min(1).max(80).optional(),
    prompt: z.string().min(1).max(100_000).optional(),
    /** Template parameters; string values may hold `{{params.x}}`, `{{steps.y.result}}`, `{{matrix.k}}`. */
    params: z.record(z.string(), ParamValue).optional(),
    needs: z
      .union([StepName, z.array(StepName).max(100)])
      .optional()
      .transform((n) => (n === undefined ? [] : Array.isArray(n) ? n : [n]))
      .superRefine((n, ctx) => {
        // The graph walks count each edge once; a repeated name would unbalance them.
        const twice = n.find((d, i) => n.indexOf(d) !== i);
        if (twice !== undefined) ctx.addIssue({ code: "custom", message: `"${twice}" is listed twice; list each step once` });
      }),
    /** `success` (default), `failure`, `always`, or an expression over upstream outputs. */
    when: z.string().min(1).max(2000).optional(),
    matrix: Matrix.optional(),
    ...StepOptions,
  })
  .strict()
  .refine((s) => (s.template === undefined) !== (s.prompt === undefined), "give a step either template or prompt (one of them)");
export type StepSpec = z.output<typeof StepSpec>;

export const PipelineSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "use lower-case letters, digits, dot, dash or underscore"),
    description: z.string().max(2000).optional(),
    params: z.array(TemplateParam).max(50).default([]),
    /** Options every step gets unless it sets its own. */
    defaults: z.object(StepOptions).strict().optional(),
    steps: z
      .record(StepName, StepSpec)
      .refine((s) => Object.keys(s).length > 0, "a pipeline needs at least one step")
      .refine((s) => Object.keys(s).length <= 200, "at most 200 steps"),
  })
  .strict();
export type PipelineSpec = z.output<typeof PipelineSpec>;
export type PipelineSpecInput = z.input<typeof PipelineSpec>;

/** Start a run from a YAML document or from the JSON definition (exactly one). */
export const StartRunBody = z
  .object({ yaml: z.string().min(1).max(200_000).optional(), pipeline: z.unknown().optional(), params: ParamValues.default({}) })
  .refine((b) => (b.yaml === undefined) !== (b.pipeline === undefined), "give yaml (the file's text) or pipeline (its JSON), not both");
export type StartRunBody = z.input<typeof StartRunBody>;

export const StepStatus = z.enum(["pending", "queued", "running", "retrying", "succeeded", "failed", "skipped", "cancelled"]);
export type StepStatus = z.infer<typeof StepStatus>;
export const RunStatus = z.enum(["running", "succeeded", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

/** One expanded step of a run (a matrix step shows one per copy: `tests[0]`, `tests[1]`, …). */
export const StepView = z.object({
  id: z.string(),
  /** The step's name in the definition (the same for every matrix copy). */
  name: z.string(),
  needs: z.array(z.string()),
  status: StepStatus,
  statusReason: z.string(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  sessionId: z.string().nullable(),
  sessionIds: z.array(z.string()),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  selector: z.array(z.string()),
  template: z.object({ id: z.string(), name: z.string(), version: z.number().int() }).nullable(),
  result: z.string().nullable(),
  costUsd: z.number(),
  readyAt: z.number().int().nullable(),
  startedAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
});
export type StepView = z.infer<typeof StepView>;

export const RunView = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  status: RunStatus,
  statusReason: z.string(),
  createdBy: z.string(),
  params: ParamValues,
  steps: z.array(StepView),
  costUsd: z.number(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  endedAt: z.number().int().nullable(),
});
export type RunView = z.infer<typeof RunView>;

export const RunList = z.object({ runs: z.array(RunView) });
export const RunListQuery = z.object({ status: RunStatus.optional(), limit: z.coerce.number().int().min(1).max(100).default(30) });

/** The Workflow event a step's session sends when it ends (the instance then looks at the run again). */
export const STEP_UPDATE_EVENT = "step-update";

/** What POST /api/pipelines/validate answers for a definition that would run. */
export const ValidatedPipeline = z.object({
  ok: z.literal(true),
  name: z.string(),
  steps: z.array(
    z.object({
      id: z.string(),
      needs: z.array(z.string()),
      selector: z.array(z.string()),
      template: z.object({ id: z.string(), name: z.string(), version: z.number().int() }).nullable(),
    }),
  ),
});
export type ValidatedPipeline = z.infer<typeof ValidatedPipeline>;
