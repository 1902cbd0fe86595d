/**
 * Upstream outputs as names: `steps.build.result|sessionId|cost|status` (a matrix step by copy,
 * `steps.tests[1].result`, or as a whole: results joined, costs summed, status succeeded only if every
 * copy did), `params.x` and `matrix.k`. One lookup serves prompt rendering and `when:` expressions.
 */
import type { StepStatus } from "../protocol/pipelines";
import type { ParamValues } from "../protocol/templates";
import type { Value } from "./expr";
import type { Plan, PlannedStep } from "./plan";

export interface StepOutput {
  status: StepStatus;
  result: string | null;
  sessionId: string | null;
  costUsd: number;
}

function aggregateStatus(list: StepStatus[]): StepStatus {
  if (list.every((s) => s === "succeeded")) return "succeeded";
  if (list.some((s) => s === "failed")) return "failed";
  if (list.every((s) => s === "skipped")) return "skipped";
  if (list.some((s) => s === "cancelled")) return "cancelled";
  return list.find((s) => s !== "succeeded" && s !== "skipped") ?? "pending";
}

/** Resolves a dotted name (as a path) against the run's outputs; null when unknown. */
export function outputLookup(plan: Plan, outputs: ReadonlyMap<string, StepOutput>, step: Pick<PlannedStep, "matrix"> | null) {
  return (path: readonly string[]): Value => {
    const [head, second, field] = path;
    if (head === "params") return second !== undefined && second in plan.params ? plan.params[second]! : null;
    if (head === "matrix") return step && second !== undefined && second in step.matrix ? step.matrix[second]! : null;
    if (head !== "steps" || !second || !field) return null;
    const exact = outputs.get(second);
    const group = exact
      ? [exact]
      : plan.steps
          .filter((s) => s.name === second && s.index !== null)
          .map((s) => outputs.get(s.id))
          .filter((o): o is StepOutput => !!o);
    if (!group.length) return null;
    switch (field) {
      case "status":
        return aggregateStatus(group.map((o) => o.status));
      case "cost":
        return Math.round(group.reduce((a, o) => a + o.costUsd, 0) * 1e6) / 1e6;
      case "result":
        return group.map((o) => o.result ?? "").join("\n\n");
      case "sessionId":
        return group.map((o) => o.sessionId ?? "").join(",");
      default:
        return null;
    }
  };
}

/** The same lookup keyed by a `{{placeholder}}` name, as text. */
export function textLookup(lookup: (path: readonly string[]) => Value) {
  return (name: string): string | undefined => {
    const v = lookup(name.split("."));
    return v === null ? undefined : String(v);
  };
}

/** Step params with their placeholders filled from upstream outputs. */
export function renderStepParams(
  params: ParamValues,
  fill: (name: string) => string | undefined,
): { ok: true; values: ParamValues } | { ok: false; missing: string[] } {
  const out: ParamValues = {};
  const missing: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== "string") {
      out[k] = v;
      continue;
    }
    out[k] = v.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (whole, name: string) => {
      const x = fill(name);
      if (x === undefined) missing.push(name);
      return x ?? whole;
    });
  }
  return missing.length ? { ok: false, missing } : { ok: true, values: out };
}
