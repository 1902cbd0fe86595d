/**
 * Typed template parameters, pure: checks a recipe's declarations against its `{{placeholders}}`,
 * resolves given values (coercing CLI strings by type, applying defaults, refusing unknown, missing or
 * disallowed ones with an issue that names them) and renders text. Used by template launches and
 * pipeline steps alike, in the Worker and in the CLI (to fail before a request is sent).
 */
import type { LaunchSpec } from "../protocol/session";
import type { ParamValue, ParamValues, TemplateParam, TemplateRecipe } from "../protocol/templates";

export interface Issue {
  path: string;
  message: string;
}
export type Resolved = { ok: true; values: ParamValues } | { ok: false; issues: Issue[] };

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:(?:\.[A-Za-z_][A-Za-z0-9_-]*)|(?:\[\d+\]))*)\s*\}\}/g;

/** Every `{{name}}` (or `{{steps.build.result}}`) in `text`, in order of first use. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Replaces each placeholder with `lookup(name)`; names it cannot fill are returned, never left in silently. */
export function render(text: string, lookup: (name: string) => string | undefined): { ok: true; text: string } | { ok: false; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = lookup(name);
    if (v === undefined) missing.push(name);
    return v ?? whole;
  });
  return missing.length ? { ok: false, missing: [...new Set(missing)] } : { ok: true, text: out };
}

const isRequired = (p: TemplateParam) => p.required ?? p.default === undefined;

function coerce(p: TemplateParam, raw: ParamValue): { ok: true; value: ParamValue } | { ok: false; message: string } {
  const shown = JSON.stringify(raw);
  let value: ParamValue = raw;
  if (p.type === "number") {
    value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof value !== "number" || !Number.isFinite(value)) return { ok: false, message: `"${p.name}" must be a number, got ${shown}` };
  } else if (p.type === "boolean") {
    value = raw === "true" ? true : raw === "false" ? false : raw;
    if (typeof value !== "boolean") return { ok: false, message: `"${p.name}" must be true or false, got ${shown}` };
  } else {
    value = typeof raw === "string" ? raw : String(raw);
  }
  if (p.values && !p.values.some((a) => String(a) === String(value))) {
    return { ok: false, message: `"${p.name}" must be one of ${p.values.map((v) => JSON.stringify(v)).join(", ")}; got ${shown}` };
  }
  return { ok: true, value };
}

/** The values a launch uses: given ones coerced and checked, then defaults; every problem reported at once. */
export function resolveParams(declared: readonly TemplateParam[], given: ParamValues): Resolved {
  const issues: Issue[] = [];
  const known = new Map(declared.map((p) => [p.name, p]));
  const unknown = Object.keys(given).filter((k) => !known.has(k));
  if (unknown.length) {
    const hint = declared.length ? `it takes ${declared.map((p) => p.name).join(", ")}` : "it takes no parameters";
    issues.push({
      path: `params.${unknown[0]}`,
      message: `unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `"${u}"`).join(", ")}: ${hint}`,
    });
  }
  const values: ParamValues = {};
  const missing: string[] = [];
  for (const p of declared) {
    const raw = given[p.name] ?? p.default;
    if (raw === undefined) {
      if (isRequired(p)) missing.push(p.name);
      continue;
    }
    const r = coerce(p, raw);
    if (r.ok) values[p.name] = r.value;
    else issues.push({ path: `params.${p.name}`, message: r.message });
  }
  if (missing.length) {
    issues.push({
      path: `params.${missing[0]}`,
      message: `missing required parameter${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}; give ${missing.map((m) => `--param ${m}=…`).join(" ")}`,
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}

/**
 * A recipe's own consistency: parameter names unique, defaults of the declared type and allowed,
 * and every plain `{{name}}` in its texts declared (dotted names such as `steps.x.result` belong to
 * pipelines and are checked there).
 */
export function checkRecipe(recipe: { prompt: string; appendSystemPrompt?: string | undefined; params: readonly TemplateParam[] }): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  recipe.params.forEach((p, i) => {
    if (seen.has(p.name)) issues.push({ path: `params.${i}.name`, message: `parameter "${p.name}" is declared twice` });
    seen.add(p.name);
    if (p.default !== undefined) {
      const r = coerce(p, p.default);
      if (!r.ok) issues.push({ path: `params.${i}.default`, message: `default: ${r.message}` });
    }
  });
  for (const [field, text] of [
    ["prompt", recipe.prompt],
    ["appendSystemPrompt", recipe.appendSystemPrompt ?? ""],
  ] as const) {
    const undeclared = placeholders(text).filter((n) => !n.includes(".") && !n.includes("[") && !seen.has(n));
    if (undeclared.length) {
      issues.push({
        path: field,
        message: `${undeclared.map((u) => `{{${u}}}`).join(", ")} ${undeclared.length > 1 ? "are" : "is"} used but not declared; add ${undeclared.length > 1 ? "them" : "it"} to params`,
      });
    }
  }
  return issues;
}

/** A value as it appears in rendered text. */
export const paramText = (v: ParamValue): string => (typeof v === "string" ? v : String(v));

/**
 * The LaunchSpec a recipe makes with resolved values: placeholders filled in the prompt and the
 * appended system prompt, `cwd` from the launch or else the recipe. `extra` fills names beyond the
 * params (pipelines pass `steps.*` and `matrix.*`).
 */
export function renderRecipe(
  recipe: TemplateRecipe,
  values: ParamValues,
  opts: { cwd?: string | undefined; extra?: (name: string) => string | undefined } = {},
): { ok: true; spec: LaunchSpec } | { ok: false; issues: Issue[] } {
  const lookup = (name: string) => (name in values ? paramText(values[name]!) : opts.extra?.(name));
  const issues: Issue[] = [];
  const prompt = render(recipe.prompt, lookup);
  if (!prompt.ok) issues.push({ path: "prompt", message: `nothing fills ${prompt.missing.map((m) => `{{${m}}}`).join(", ")}` });
  const append = recipe.appendSystemPrompt === undefined ? undefined : render(recipe.appendSystemPrompt, lookup);
  if (append && !append.ok) issues.push({ path: "appendSystemPrompt", message: `nothing fills ${append.missing.map((m) => `{{${m}}}`).join(", ")}` });
  const cwd = opts.cwd ?? recipe.cwd;
  if (!cwd) issues.push({ path: "cwd", message: "the template sets no working directory: give cwd (the directory on the machine)" });
  if (issues.length || !prompt.ok || !cwd) return { ok: false, issues };
  const { params: _p, selector: _s, cwd: _c, prompt: _t, appendSystemPrompt: _a, ...rest } = recipe;
  const spec: LaunchSpec = { ...rest, prompt: prompt.text, cwd, ...(append?.ok ? { appendSystemPrompt: append.text } : {}) };
  return { ok: true, spec };
}
