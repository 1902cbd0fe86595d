/**
 * The planner, pure: a validated PipelineSpec (plus the templates it names, already fetched and
 * pinned to versions, and the run's parameters) becomes a Plan — every step expanded (matrix copies),
 * in topological order, with its merged recipe, condition, retries, timeout and machine selector. Every
 * problem is reported at once with the path to fix; a plan that comes out is runnable as far as a
 * definition can tell.
 */
import { checkRecipe, placeholders, resolveParams, type Issue } from "../domain/template-params";
import type { PipelineSpec, Retries, StepSpec } from "../protocol/pipelines";
import type { ParamValue, ParamValues, TemplateRecipe } from "../protocol/templates";
import { ExprError, parseExpr, referencedParams, referencedSteps } from "./expr";
import { ancestors, findCycle, formatCycle, topoOrder } from "./graph";

export type Condition = { kind: "success" | "failure" | "always" } | { kind: "expr"; src: string };

export interface ResolvedTemplate {
  id: string;
  name: string;
  version: number;
  recipe: TemplateRecipe;
}

export interface PlannedStep {
  id: string;
  name: string;
  index: number | null;
  needs: string[];
  when: Condition;
  retries: Retries;
  timeoutMs: number | null;
  selector: string[];
  recipe: TemplateRecipe;
  template: { id: string; name: string; version: number } | null;
  /** The template's parameters as the step gives them (strings may hold placeholders, filled at launch). */
  params: ParamValues;
  /** This copy's matrix values (`index` always set for a matrix step). */
  matrix: ParamValues;
}

export interface Plan {
  name: string;
  params: ParamValues;
  steps: PlannedStep[];
}

const NO_RETRIES: Retries = { max: 0, backoffMs: 5000, factor: 2, maxBackoffMs: 300_000 };
const MAX_EXPANDED = 500;

/** Template references (`name` or `name@3`) the spec uses, to fetch before planning. */
export function templateRefs(spec: PipelineSpec): string[] {
  return [...new Set(Object.values(spec.steps).flatMap((s) => (s.template ? [s.template] : [])))];
}

export function splitRef(ref: string): { name: string; version: number | null } {
  const at = ref.lastIndexOf("@");
  if (at <= 0) return { name: ref, version: null };
  const v = Number(ref.slice(at + 1));
  return { name: ref.slice(0, at), version: Number.isInteger(v) && v > 0 ? v : NaN };
}

function parseWhen(src: string | undefined): Condition | ExprError {
  if (src === undefined || src === "success") return { kind: "success" };
  if (src === "failure" || src === "always") return { kind: src };
  try {
    parseExpr(src);
    return { kind: "expr", src };
  } catch (e) {
    if (e instanceof ExprError) return e;
    throw e;
  }
}

/** How many copies a step expands to, counted without expanding (stops counting past `cap`). */
function copyCount(step: StepSpec, cap: number): number {
  if (!step.matrix) return 1;
  if ("count" in step.matrix && typeof step.matrix.count === "number") return step.matrix.count;
  let n = 1;
  for (const values of Object.values(step.matrix as Record<string, ParamValue[]>)) if ((n *= values.length) > cap) return n;
  return n;
}

function copies(step: StepSpec): (ParamValues & { index: number })[] | null {
  if (!step.matrix) return null;
  if ("count" in step.matrix && typeof step.matrix.count === "number") return Array.from({ length: step.matrix.count }, (_, index) => ({ index }));
  let combos: ParamValues[] = [{}];
  for (const [k, values] of Object.entries(step.matrix as Record<string, ParamValue[]>)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  return combos.map((c, index) => ({ ...c, index }));
}

/** Checks the placeholders of one text of a step: pipeline params, ancestors' outputs, matrix keys. */
function checkPlaceholders(
  text: string,
  path: string,
  ctx: { params: Set<string>; ancestors: Set<string>; matrixKeys: Set<string>; templateParams: Set<string> | null },
): Issue[] {
  const issues: Issue[] = [];
  for (const name of placeholders(text)) {
    const [head, second, third] = name.split(".");
    if (head === "params") {
      if (!second || !ctx.params.has(second))
        issues.push({ path, message: `{{${name}}}: the pipeline declares no parameter "${second}"; add it under params` });
    } else if (head?.startsWith("steps")) {
      const step = second?.replace(/\[\d+\]$/, "");
      if (!step || !third || !["result", "sessionId", "cost", "status"].includes(third))
        issues.push({ path, message: `{{${name}}}: write {{steps.<step>.result|sessionId|cost|status}}` });
      else if (!ctx.ancestors.has(step)) issues.push({ path, message: `{{${name}}}: "${step}" is not upstream of this step; add it to needs` });
    } else if (head === "matrix") {
      if (!second || !ctx.matrixKeys.has(second)) issues.push({ path, message: `{{${name}}}: this step's matrix has no "${second}"` });
    } else if (!ctx.templateParams?.has(name)) {
      issues.push({ path, message: `{{${name}}} is not known here; use {{params.${name}}} for a pipeline parameter` });
    }
  }
  return issues;
}

/**
 * Plans a run. `templates` maps each of `templateRefs(spec)` to its pinned version, or to an error
 * message (unknown template or version); `given` are the run's parameter values.
 */
export function planPipeline(
  spec: PipelineSpec,
  templates: ReadonlyMap<string, ResolvedTemplate | string>,
  given: ParamValues,
): { ok: true; plan: Plan } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const names = Object.keys(spec.steps);
  const needs = new Map(names.map((n) => [n, spec.steps[n]!.needs]));
  for (const [n, deps] of needs) {
    for (const d of deps) {
      if (d === n) issues.push({ path: `steps.${n}.needs`, message: `"${n}" needs itself; remove it from its own needs` });
      else if (!needs.has(d)) issues.push({ path: `steps.${n}.needs`, message: `"${n}" needs "${d}", which is not a step; the steps are ${names.join(", ")}` });
    }
  }
  const cycle = findCycle(new Map([...needs].map(([n, d]) => [n, d.filter((x) => x !== n)])));
  if (cycle) issues.push({ path: `steps.${cycle[0]}.needs`, message: `the steps form a cycle: ${formatCycle(cycle)}; remove one of these needs` });

  // Bounded before anything is expanded: a few matrix keys multiply into millions of copies.
  let total = 0;
  for (const n of names) {
    total += copyCount(spec.steps[n]!, MAX_EXPANDED);
    if (total > MAX_EXPANDED) {
      issues.push({
        path: `steps.${n}.matrix`,
        message: `the matrices expand to more than ${MAX_EXPANDED} steps (at "${n}"); use fewer values or split the pipeline`,
      });
      break;
    }
  }

  const pipelineParams = resolveParams(spec.params, given);
  if (!pipelineParams.ok) issues.push(...pipelineParams.issues);
  const paramNames = new Set(spec.params.map((p) => p.name));
  if (issues.length) return { ok: false, issues };

  const steps: PlannedStep[] = [];
  const idsOf = new Map<string, string[]>();
  for (const name of topoOrder(needs)) {
    const s = spec.steps[name]!;
    const path = `steps.${name}`;
    const ups = ancestors(needs, name);
    const when = parseWhen(s.when);
    if (when instanceof ExprError)
      issues.push({
        path: `${path}.when`,
        message: `${when.message}; write success, failure, always or an expression such as steps.build.status == "succeeded"`,
      });
    else if (when.kind === "expr") {
      const e = parseExpr(when.src);
      for (const r of referencedSteps(e))
        if (!ups.has(r)) issues.push({ path: `${path}.when`, message: `the condition reads steps.${r}, which is not upstream of "${name}"; add it to needs` });
      for (const p of referencedParams(e))
        if (!paramNames.has(p)) issues.push({ path: `${path}.when`, message: `the condition reads params.${p}, which the pipeline does not declare` });
    }

    let recipe: TemplateRecipe;
    let template: PlannedStep["template"] = null;
    if (s.template) {
      const t = templates.get(s.template);
      if (t === undefined || typeof t === "string") {
        issues.push({ path: `${path}.template`, message: typeof t === "string" ? t : `unknown template "${s.template}"` });
        continue;
      }
      template = { id: t.id, name: t.name, version: t.version };
      recipe = t.recipe;
    } else {
      recipe = { prompt: s.prompt!, params: [] };
    }
    const d = spec.defaults ?? {};
    const pick = <K extends keyof TemplateRecipe & keyof StepSpec>(k: K) => (s[k] ?? recipe[k] ?? (d as Partial<StepSpec>)[k]) as TemplateRecipe[K];
    const merged: TemplateRecipe = { ...recipe };
    for (const k of ["cwd", "model", "maxTurns", "appendSystemPrompt", "allowedTools", "disallowedTools", "additionalDirectories"] as const) {
      const v = pick(k);
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
    if (!merged.cwd) issues.push({ path: `${path}.cwd`, message: `step "${name}" has no working directory; set cwd on it or under defaults` });
    const selector = (s.selector ?? recipe.selector ?? d.selector)?.labels ?? [];

    const matrixCopies = copies(s);
    const matrixKeys = new Set(matrixCopies ? ["index", ...Object.keys(matrixCopies[0]!)] : []);
    const templateParams = template ? new Set(recipe.params.map((p) => p.name)) : null;
    const ctx = { params: paramNames, ancestors: ups, matrixKeys, templateParams };
    if (!template) issues.push(...checkPlaceholders(recipe.prompt, `${path}.prompt`, ctx));
    else {
      issues.push(...checkRecipe(recipe).map((i) => ({ ...i, path: `${path}.template` })));
      const stepParams = s.params ?? {};
      const dynamic = Object.entries(stepParams).filter(([, v]) => typeof v === "string" && placeholders(v).length > 0);
      for (const [k, v] of dynamic) issues.push(...checkPlaceholders(String(v), `${path}.params.${k}`, { ...ctx, templateParams: null }));
      const dynamicNames = new Set(dynamic.map(([k]) => k));
      const unknown = Object.keys(stepParams).filter((k) => !templateParams!.has(k));
      const staticCheck = resolveParams(
        recipe.params.filter((p) => !dynamicNames.has(p.name)),
        Object.fromEntries(Object.entries(stepParams).filter(([k]) => !dynamicNames.has(k) && templateParams!.has(k))),
      );
      if (unknown.length)
        issues.push({
          path: `${path}.params`,
          message: `template "${template.name}" v${template.version} has no parameter ${unknown.map((u) => `"${u}"`).join(", ")}; it takes ${recipe.params.map((p) => p.name).join(", ") || "none"}`,
        });
      if (!staticCheck.ok) issues.push(...staticCheck.issues.map((i) => ({ path: `${path}.${i.path}`, message: i.message })));
    }
    if (s.params && !template) issues.push({ path: `${path}.params`, message: "params are for template steps; an inline prompt uses {{params.x}} directly" });

    const base = {
      name,
      needs: s.needs.flatMap((n) => idsOf.get(n) ?? []),
      when: when instanceof ExprError ? ({ kind: "success" } as const) : when,
      retries: s.retries ?? d.retries ?? NO_RETRIES,
      timeoutMs: s.timeout ?? d.timeout ?? null,
      selector,
      recipe: merged,
      template,
      params: s.params ?? {},
    };
    const expanded: PlannedStep[] = matrixCopies
      ? matrixCopies.map((m) => ({ ...base, id: `${name}[${m.index}]`, index: m.index, matrix: m }))
      : [{ ...base, id: name, index: null, matrix: {} }];
    idsOf.set(
      name,
      expanded.map((e) => e.id),
    );
    steps.push(...expanded);
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, plan: { name: spec.name, params: pipelineParams.ok ? pipelineParams.values : {}, steps } };
}
