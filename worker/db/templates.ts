/**
 * Templates in D1: the named row and its immutable versions. A new version is one batch (the row's
 * pointer moves only if nobody else moved it first; the version's primary key refuses a twin), so a
 * failed edit writes nothing. Visibility filtering (private → author only) happens in the query.
 */
import { and, desc, eq, or } from "drizzle-orm";
import type { Template, TemplateRecipe, TemplateVersionInfo, TemplateVisibility } from "../protocol/templates";
import type { Db } from "./client";
import { templates, templateVersions } from "./schema";

type Row = typeof templates.$inferSelect;

/** A version carries its own description: an older version shows what it said then, not the latest words. */
function toTemplate(row: Row, version: number, recipe: unknown, description = row.description): Template {
  return { ...row, version, description, recipe: recipe as TemplateRecipe };
}

const visibleTo = (userId: string) => or(eq(templates.visibility, "workspace"), eq(templates.authorId, userId));

/** Finds a template by id or name that `userId` may see (a private one only by its author). */
export async function findTemplate(db: Db, workspaceId: string, ref: string, userId: string): Promise<Row | null> {
  const by = ref.startsWith("tpl_") ? eq(templates.id, ref) : eq(templates.name, ref);
  const rows = await db
    .select()
    .from(templates)
    .where(and(eq(templates.workspaceId, workspaceId), by, visibleTo(userId)))
    .limit(1);
  return rows[0] ?? null;
}

/** The template at `version` (default: its latest), or null when that version does not exist. */
export async function templateAt(db: Db, row: Row, version = row.latestVersion): Promise<Template | null> {
  const rows = await db
    .select({ recipe: templateVersions.recipe, description: templateVersions.description })
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, row.id), eq(templateVersions.version, version)))
    .limit(1);
  return rows[0] ? toTemplate(row, version, rows[0].recipe, rows[0].description) : null;
}

export async function listTemplates(db: Db, workspaceId: string, userId: string): Promise<Template[]> {
  const rows = await db
    .select({ row: templates, recipe: templateVersions.recipe })
    .from(templates)
    .innerJoin(templateVersions, and(eq(templateVersions.templateId, templates.id), eq(templateVersions.version, templates.latestVersion)))
    .where(and(eq(templates.workspaceId, workspaceId), visibleTo(userId)))
    .orderBy(templates.name);
  return rows.map((r) => toTemplate(r.row, r.row.latestVersion, r.recipe));
}

export async function listVersions(db: Db, templateId: string): Promise<TemplateVersionInfo[]> {
  return db
    .select({
      version: templateVersions.version,
      description: templateVersions.description,
      createdBy: templateVersions.createdBy,
      createdAt: templateVersions.createdAt,
    })
    .from(templateVersions)
    .where(eq(templateVersions.templateId, templateId))
    .orderBy(desc(templateVersions.version));
}

export interface NewTemplate {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  visibility: TemplateVisibility;
  authorId: string;
  by: string;
  recipe: TemplateRecipe;
}

/** Inserts the template and its version 1 in one batch. Throws on a taken name (unique index). */
export async function insertTemplate(db: Db, t: NewTemplate, now: number): Promise<void> {
  await db.batch([
    db.insert(templates).values({
      id: t.id,
      workspaceId: t.workspaceId,
      name: t.name,
      description: t.description,
      visibility: t.visibility,
      authorId: t.authorId,
      latestVersion: 1,
      createdAt: now,
      updatedAt: now,
      updatedBy: t.by,
    }),
    db.insert(templateVersions).values({ templateId: t.id, version: 1, recipe: t.recipe, description: t.description, createdBy: t.by, createdAt: now }),
  ]);
}

/**
 * Adds version `from + 1`. Returns false when someone else added a version since `from` was read
 * (the caller reports a conflict); the batch then writes nothing.
 */
export async function addVersion(
  db: Db,
  row: Row,
  change: { recipe: TemplateRecipe; description: string; visibility: TemplateVisibility; by: string },
  now: number,
): Promise<boolean> {
  const next = row.latestVersion + 1;
  try {
    const [moved] = await db.batch([
      db
        .update(templates)
        .set({ latestVersion: next, description: change.description, visibility: change.visibility, updatedAt: now, updatedBy: change.by })
        .where(and(eq(templates.id, row.id), eq(templates.latestVersion, row.latestVersion)))
        .returning({ id: templates.id }),
      db
        .insert(templateVersions)
        .values({ templateId: row.id, version: next, recipe: change.recipe, description: change.description, createdBy: change.by, createdAt: now }),
    ]);
    return moved.length === 1;
  } catch (e) {
    if (String(e).includes("UNIQUE") || String(e).includes("PRIMARY KEY")) return false;
    throw e;
  }
}
