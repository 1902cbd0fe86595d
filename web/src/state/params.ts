/**
 * The launch form of a template is generated from its parameters: this checks what has been typed
 * against each parameter's type, required flag and allowed values (as you type), and turns the
 * text fields into the typed values the API expects. Pure, so it is tested in Node.
 */
import type { ParamValue, TemplateParam } from "../../../worker/protocol/templates";

export type FormValues = Record<string, string | boolean>;

export function isRequired(p: TemplateParam): boolean {
  return p.required ?? p.default === undefined;
}

/** The form's starting values: each parameter's default, as the field shows it. */
export function initialValues(params: readonly TemplateParam[]): FormValues {
  const out: FormValues = {};
  for (const p of params) out[p.name] = p.type === "boolean" ? p.default === true : p.default === undefined ? "" : String(p.default);
  return out;
}

/** One message per parameter that is not acceptable yet (missing, not a number, not allowed). */
export function paramErrors(params: readonly TemplateParam[], values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of params) {
    const v = values[p.name];
    if (p.type === "boolean") continue;
    const text = typeof v === "string" ? v.trim() : "";
    if (!text) {
      if (isRequired(p)) errors[p.name] = `${p.name} is required`;
      continue;
    }
    if (p.type === "number" && !Number.isFinite(Number(text))) {
      errors[p.name] = `${p.name} must be a number`;
      continue;
    }
    const allowed = p.values?.map(String);
    if (allowed && !allowed.includes(text)) errors[p.name] = `${p.name} must be one of: ${allowed.join(", ")}`;
  }
  return errors;
}

/** The typed values to send; empty optional fields are left out so the template's defaults apply. */
export function toParamValues(params: readonly TemplateParam[], values: FormValues): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of params) {
    const v = values[p.name];
    if (p.type === "boolean") out[p.name] = v === true;
    else if (typeof v === "string" && v.trim()) out[p.name] = p.type === "number" ? Number(v.trim()) : v.trim();
  }
  return out;
}
