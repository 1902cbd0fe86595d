/**
 * /api/templates: the team's library of session recipes (and each member's private ones): list,
 * create, edit (every edit a new immutable version, by its author or an admin only), versions, YAML
 * import/export, save a session as a template, and launch a session from one (through launchRun).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../auth/audit";
import { sessionFor } from "../auth/session-access";
import { addVersion, findTemplate, insertTemplate, listTemplates, listVersions, templateAt } from "../db/templates";
import { mayEditTemplate } from "../domain/policy";
import { checkRecipe, renderRecipe, resolveParams } from "../domain/template-params";
import { errorResponses, jsonBody, jsonResponse, orThrow, router } from "../http";
import { chooseAgent, launchRun } from "../launch";
import { formatIssue, parseYaml, toYaml } from "../pipelines/yaml";
import { ApiError } from "../protocol/errors";
import { newId } from "../protocol/ids";
import { sessionRoom } from "../rooms";
import { SessionSummary } from "../protocol/session";
import {
  CreateTemplateBody,
  ExportedTemplate,
  ImportedTemplate,
  ImportTemplateBody,
  LaunchTemplateBody,
  SaveSessionAsTemplateBody,
  Template,
  TemplateFile,
  TemplateList,
  TemplateRecipe,
  TemplateVersionList,
  TemplateVersionQuery,
  UpdateTemplateBody,
} from "../protocol/templates";
import type { Context } from "hono";
import type { AppEnv } from "../env";

const tags = ["templates"];
const RefParam = z.object({ id: z.string().min(1).max(100).openapi({ description: "template id (tpl_…) or name" }) });

const who = (c: Context<AppEnv>) => ({ workspaceId: c.var.auth.workspaceId, userId: c.var.auth.userId ?? "", subject: c.var.auth.subject });

function checked(recipe: TemplateRecipe): TemplateRecipe {
  const issues = checkRecipe(recipe);
  if (issues.length)
    throw new ApiError(
      "BAD_REQUEST",
      `recipe.${issues[0]!.path}: ${issues[0]!.message}`,
      issues.map((i) => ({ ...i, path: `recipe.${i.path}` })),
    );
  return recipe;
}

async function load(c: Context<AppEnv>, ref: string) {
  const row = await findTemplate(c.var.deps.db, c.var.auth.workspaceId, ref, c.var.auth.userId ?? "");
  if (!row) throw new ApiError("NOT_FOUND", `No template "${ref}" in this workspace; \`tower template ls\` lists them.`);
  return row;
}

async function at(c: Context<AppEnv>, ref: string, version?: number): Promise<Template> {
  const row = await load(c, ref);
  const t = await templateAt(c.var.deps.db, row, version);
  if (!t) throw new ApiError("NOT_FOUND", `Template "${row.name}" has no version ${version}; its versions are 1 to ${row.latestVersion}.`);
  return t;
}

async function create(c: Context<AppEnv>, body: z.output<typeof CreateTemplateBody>): Promise<Template> {
  const { db } = c.var.deps;
  const id = newId("tpl");
  try {
    await insertTemplate(
      db,
      {
        id,
        workspaceId: c.var.auth.workspaceId,
        name: body.name,
        description: body.description,
        visibility: body.visibility,
        authorId: c.var.auth.userId ?? "",
        by: c.var.auth.subject,
        recipe: checked(body.recipe),
      },
      Date.now(),
    );
  } catch (e) {
    if (String(e).includes("UNIQUE"))
      throw new ApiError("CONFLICT", `A template named "${body.name}" already exists in this workspace; edit it (a new version) or pick another name.`);
    throw e;
  }
  await recordAudit(c, "template.create", id, { name: body.name });
  return (await at(c, id))!;
}

async function newVersion(
  c: Context<AppEnv>,
  ref: string,
  change: { recipe: TemplateRecipe; description?: string | undefined; visibility?: Template["visibility"] | undefined },
): Promise<Template> {
  const row = await load(c, ref);
  const may = mayEditTemplate(c.var.auth, row.authorId);
  if (!may.ok) throw new ApiError("FORBIDDEN", `Not allowed: ${may.why}.`);
  const visibility = change.visibility ?? row.visibility;
  if (visibility !== row.visibility && row.authorId !== c.var.auth.userId)
    throw new ApiError("FORBIDDEN", "Only the template's author can change who sees it.");
  const ok = await addVersion(
    c.var.deps.db,
    row,
    { recipe: checked(change.recipe), description: change.description ?? row.description, visibility, by: c.var.auth.subject },
    Date.now(),
  );
  if (!ok) throw new ApiError("CONFLICT", `Template "${row.name}" was changed by someone else just now; fetch it again and re-apply your edit.`);
  await recordAudit(c, "template.version", row.id, { name: row.name, version: row.latestVersion + 1 });
  return at(c, row.id);
}

/** A template as the YAML file a team keeps in its repository. */
export function templateYaml(t: Template): string {
  const file: Record<string, unknown> = { name: t.name, ...(t.description ? { description: t.description } : {}), visibility: t.visibility, ...t.recipe };
  if (Array.isArray(file.params) && file.params.length === 0) delete file.params;
  return toYaml(file);
}

export const templatesRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(TemplateList, "The workspace's templates and your private ones, at their latest version, by name."), ...errorResponses },
    }),
    async (c) => c.json({ templates: await listTemplates(c.var.deps.db, c.var.auth.workspaceId, c.var.auth.userId ?? "") }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(CreateTemplateBody),
      responses: { 201: jsonResponse(Template, "The template at version 1."), ...errorResponses },
    }),
    async (c) => c.json(await create(c, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/import",
      tags,
      request: jsonBody(ImportTemplateBody),
      responses: { 200: jsonResponse(ImportedTemplate, "Created, a new version, or unchanged."), ...errorResponses },
    }),
    async (c) => {
      const parsed = parseYaml(c.req.valid("json").yaml, TemplateFile);
      if (!parsed.ok)
        throw new ApiError(
          "BAD_REQUEST",
          `The template file is invalid: ${formatIssue(parsed.issues[0]!)}`,
          parsed.issues.map((i) => ({ path: i.path, message: formatIssue(i) })),
        );
      const { name, description, visibility, ...recipe } = parsed.value;
      const existing = await findTemplate(c.var.deps.db, c.var.auth.workspaceId, name, c.var.auth.userId ?? "");
      if (!existing)
        return c.json(
          { outcome: "created" as const, template: await create(c, { name, description: description ?? "", visibility: visibility ?? "workspace", recipe }) },
          200,
        );
      const latest = (await templateAt(c.var.deps.db, existing))!;
      const same =
        JSON.stringify(latest.recipe) === JSON.stringify(TemplateRecipe.parse(recipe)) &&
        (description ?? latest.description) === latest.description &&
        (visibility ?? latest.visibility) === latest.visibility;
      if (same) return c.json({ outcome: "unchanged" as const, template: latest }, 200);
      return c.json({ outcome: "versioned" as const, template: await newVersion(c, existing.id, { recipe, description, visibility }) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/from-session",
      tags,
      request: jsonBody(SaveSessionAsTemplateBody),
      responses: { 201: jsonResponse(Template, "A new template from the session's launch spec."), ...errorResponses },
    }),
    async (c) => {
      const body = SaveSessionAsTemplateBody.parse(c.req.valid("json"));
      const { session } = await sessionFor(c, body.sessionId, "session.read");
      const spec = (await (await sessionRoom(c.env, session.id)).launchSpec()) ?? { prompt: session.prompt, cwd: session.cwd };
      // The prompt is kept verbatim: a literal "{{" in it would otherwise read as a parameter.
      const recipe: TemplateRecipe = { ...spec, prompt: spec.prompt.replaceAll("{{", "{ {"), params: [] };
      return c.json(await create(c, { name: body.name, description: body.description, visibility: body.visibility, recipe }), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      request: { params: RefParam, query: TemplateVersionQuery },
      responses: { 200: jsonResponse(Template, "The template at the version asked for (default: latest)."), ...errorResponses },
    }),
    async (c) => c.json(await at(c, c.req.valid("param").id, c.req.valid("query").version), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}",
      tags,
      request: { params: RefParam, ...jsonBody(UpdateTemplateBody) },
      responses: { 200: jsonResponse(Template, "The template at its new version."), ...errorResponses },
    }),
    async (c) => c.json(await newVersion(c, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/versions",
      tags,
      request: { params: RefParam },
      responses: { 200: jsonResponse(TemplateVersionList, "Every version, newest first."), ...errorResponses },
    }),
    async (c) => c.json({ versions: await listVersions(c.var.deps.db, (await load(c, c.req.valid("param").id)).id) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/export",
      tags,
      request: { params: RefParam, query: TemplateVersionQuery },
      responses: { 200: jsonResponse(ExportedTemplate, "The template as a YAML file."), ...errorResponses },
    }),
    async (c) => {
      const t = await at(c, c.req.valid("param").id, c.req.valid("query").version);
      return c.json({ name: t.name, version: t.version, yaml: templateYaml(t) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/launch",
      tags,
      request: { params: RefParam, ...jsonBody(LaunchTemplateBody) },
      responses: { 201: jsonResponse(SessionSummary, "The session, queued for its machine."), ...errorResponses },
    }),
    async (c) => {
      const body = LaunchTemplateBody.parse(c.req.valid("json"));
      const t = await at(c, c.req.valid("param").id, body.version);
      const values = resolveParams(t.recipe.params, body.params);
      if (!values.ok) throw new ApiError("BAD_REQUEST", values.issues.map((i) => i.message).join("; "), values.issues);
      const spec = renderRecipe(t.recipe, values.values, { cwd: body.cwd });
      if (!spec.ok) throw new ApiError("BAD_REQUEST", spec.issues.map((i) => i.message).join("; "), spec.issues);
      const agent = await chooseAgent(c.var.deps.db, who(c), { agent: body.agent, selector: t.recipe.selector });
      const origin = { templateId: t.id, templateVersion: t.version, templateParams: values.values, pipelineRunId: null, pipelineStepId: null };
      const summary = orThrow(
        await launchRun(c.env, c.var.deps.db, who(c), {
          kind: "launch",
          agent,
          spec: spec.spec,
          title: body.title ?? `${t.name}: ${spec.spec.prompt.split("\n")[0]!.slice(0, 60)}`,
          origin,
        }),
      );
      await recordAudit(c, "session.launch", summary.id, { agent: agent.name, cwd: spec.spec.cwd, template: t.name, version: t.version });
      return c.json(summary, 201);
    },
  );
