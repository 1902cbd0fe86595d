/**
 * Templates on the wire: a named, versioned session recipe with typed `{{param}}` placeholders, the
 * bodies that create, edit, import and launch one, and the YAML file shape a team keeps in its repo.
 * Shared by the Worker, the web app (its launch form is generated from `TemplateParam`) and the CLI.
 */
import { z } from "zod";
import { LaunchSpec, McpServers, SessionSummary } from "./session";

/** A template or pipeline name: what people type (`tower launch --template fix-flaky`). */
export const TemplateName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "use lower-case letters, digits, dot, dash or underscore, starting with a letter or digit");

export const ParamName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a parameter name is letters, digits and _ (not starting with a digit)");
export const ParamValue = z.union([z.string().max(100_000), z.number(), z.boolean()]);
export type ParamValue = z.infer<typeof ParamValue>;
export const ParamValues = z.record(z.string(), ParamValue);
export type ParamValues = z.infer<typeof ParamValues>;

/**
 * One typed parameter. `required` defaults to true when there is no `default`; `values` lists the
 * allowed values (mandatory for `enum`, optional for `string` and `number`).
 */
export const TemplateParam = z
  .object({
    name: ParamName,
    type: z.enum(["string", "number", "boolean", "enum"]).default("string"),
    description: z.string().max(500).optional(),
    default: ParamValue.optional(),
    required: z.boolean().optional(),
    values: z
      .array(z.union([z.string().max(1000), z.number()]))
      .min(1)
      .max(100)
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.type === "enum" && !p.values)
      ctx.addIssue({ code: "custom", path: ["values"], message: `parameter "${p.name}" is an enum: list its allowed values in values` });
    if (p.type === "boolean" && p.values) ctx.addIssue({ code: "custom", path: ["values"], message: `parameter "${p.name}" is a boolean: drop values` });
  });
export type TemplateParam = z.infer<typeof TemplateParam>;

/** Which machines may run it: every label listed must be on the machine. */
export const MachineSelector = z.object({ labels: z.array(z.string().min(1).max(100)).max(20).default([]) }).strict();
export type MachineSelector = z.infer<typeof MachineSelector>;

/** What a template makes: a LaunchSpec whose prompt may hold `{{param}}`, plus its params and machine selector. */
export const TemplateRecipe = z
  .object({
    prompt: LaunchSpec.shape.prompt,
    params: z.array(TemplateParam).max(50).default([]),
    /** Working directory on the machine; the launch may override it, and must give one when this is unset. */
    cwd: z.string().min(1).max(4096).optional(),
    model: LaunchSpec.shape.model,
    maxTurns: LaunchSpec.shape.maxTurns,
    appendSystemPrompt: LaunchSpec.shape.appendSystemPrompt,
    allowedTools: LaunchSpec.shape.allowedTools,
    disallowedTools: LaunchSpec.shape.disallowedTools,
    additionalDirectories: LaunchSpec.shape.additionalDirectories,
    mcpServers: McpServers.optional(),
    selector: MachineSelector.optional(),
  })
  .strict();
export type TemplateRecipe = z.infer<typeof TemplateRecipe>;

export const TemplateVisibility = z.enum(["workspace", "private"]);
export type TemplateVisibility = z.infer<typeof TemplateVisibility>;

export const CreateTemplateBody = z.object({
  name: TemplateName,
  description: z.string().max(2000).default(""),
  visibility: TemplateVisibility.default("workspace"),
  recipe: TemplateRecipe,
});
export type CreateTemplateBody = z.input<typeof CreateTemplateBody>;

/** Every edit is a new immutable version; `visibility` and `description` apply from it on. */
export const UpdateTemplateBody = z.object({
  description: z.string().max(2000).optional(),
  visibility: TemplateVisibility.optional(),
  recipe: TemplateRecipe,
});
export type UpdateTemplateBody = z.input<typeof UpdateTemplateBody>;

/** A template at one version (the latest unless a version was asked for). */
export const Template = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string(),
  visibility: TemplateVisibility,
  authorId: z.string(),
  /** The version shown here, and the newest one. */
  version: z.number().int(),
  latestVersion: z.number().int(),
  recipe: TemplateRecipe,
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  updatedBy: z.string(),
});
export type Template = z.infer<typeof Template>;

export const TemplateVersionInfo = z.object({ version: z.number().int(), description: z.string(), createdBy: z.string(), createdAt: z.number().int() });
export type TemplateVersionInfo = z.infer<typeof TemplateVersionInfo>;

export const TemplateList = z.object({ templates: z.array(Template) });
export const TemplateVersionList = z.object({ versions: z.array(TemplateVersionInfo) });

export const TemplateVersionQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

/** Launch one session from a template. Param values may come as strings (CLI) and are coerced by type. */
export const LaunchTemplateBody = z.object({
  version: z.number().int().min(1).optional(),
  params: ParamValues.default({}),
  cwd: z.string().min(1).max(4096).optional(),
  /** Agent id or machine name; omitted means a machine matching the template's selector. */
  agent: z.string().min(1).max(200).optional(),
  title: z.string().trim().min(1).max(200).optional(),
});
export type LaunchTemplateBody = z.input<typeof LaunchTemplateBody>;

/** Save a session's launch spec as a new template (its prompt verbatim, with no parameters). */
export const SaveSessionAsTemplateBody = z.object({
  sessionId: z.string(),
  name: TemplateName,
  description: z.string().max(2000).default(""),
  visibility: TemplateVisibility.default("workspace"),
});
export type SaveSessionAsTemplateBody = z.input<typeof SaveSessionAsTemplateBody>;

/** The YAML file: name, description and visibility beside the recipe's fields (flat). */
export const TemplateFile = TemplateRecipe.extend({
  name: TemplateName,
  description: z.string().max(2000).optional(),
  visibility: TemplateVisibility.optional(),
}).strict();
export type TemplateFile = z.infer<typeof TemplateFile>;

export const ImportTemplateBody = z.object({ yaml: z.string().min(1).max(200_000) });
/** `created`: a new template; `versioned`: a new version of an existing one; `unchanged`: identical to its latest. */
export const ImportedTemplate = z.object({ outcome: z.enum(["created", "versioned", "unchanged"]), template: Template });
export type ImportedTemplate = z.infer<typeof ImportedTemplate>;
export const ExportedTemplate = z.object({ name: z.string(), version: z.number().int(), yaml: z.string() });
export type ExportedTemplate = z.infer<typeof ExportedTemplate>;

export const LaunchedFromTemplate = SessionSummary;
