/**
 * Session summary rows: the SessionRoom writes them through on every change a list shows, and
 * lists read them in one query (counts included; no per-session lookups).
 */
import { and, desc, eq, getTableColumns, inArray, lt, or, sql } from "drizzle-orm";
import type { SessionListQuery, SessionSummary } from "../protocol/session";
import type { Db } from "./client";
import { visibleTo } from "./grants";
import { agents, sessions } from "./schema";

type Row = typeof sessions.$inferSelect & { agentName: string | null };

// Rows are written only from validated summaries, so the stored strings are already the branded ids.
function toSummary(r: Row): SessionSummary {
  return r as SessionSummary;
}

const columns = { ...getTableColumns(sessions), agentName: agents.name };

/**
 * The upsert of a session's summary row (the room is its only writer); run it alone or in a batch.
 * The room's outbox runs its prepared twin (mirror.ts); test/worker/db-mirror.test.ts holds them equal.
 */
export function upsertSessionSummary(db: Db, s: SessionSummary) {
  const { agentName: _ignored, ...row } = s;
  return db.insert(sessions).values(row).onConflictDoUpdate({ target: sessions.id, set: row });
}

export async function getSession(db: Db, workspaceId: string, id: string): Promise<SessionSummary | null> {
  const rows = await db
    .select(columns)
    .from(sessions)
    .leftJoin(agents, eq(agents.id, sessions.agentId))
    .where(and(eq(sessions.workspaceId, workspaceId), eq(sessions.id, id)))
    .limit(1);
  return rows[0] ? toSummary(rows[0]) : null;
}

interface Cursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return btoa(`${c.createdAt}:${c.id}`).replaceAll("=", "");
}

export function decodeCursor(raw: string): Cursor | null {
  try {
    const [at, id] = atob(raw).split(":");
    const createdAt = Number(at);
    return Number.isInteger(createdAt) && id ? { createdAt, id } : null;
  } catch {
    return null;
  }
}

/** One page of the workspace's sessions, newest first, with every count the list shows. */
export async function listSessions(
  db: Db,
  workspaceId: string,
  q: SessionListQuery,
  cursor: Cursor | null,
  /** Limits the list to what this user may see; null for admins, who see every session. */
  viewer: string | null,
): Promise<{ sessions: SessionSummary[]; nextCursor: string | null }> {
  const filters = [eq(sessions.workspaceId, workspaceId)];
  if (viewer) filters.push(visibleTo(db, viewer));
  if (q.status?.length) filters.push(inArray(sessions.status, q.status));
  if (q.archived !== "all") filters.push(eq(sessions.archived, q.archived === "true"));
  if (q.agent) filters.push(or(eq(sessions.agentId, q.agent), eq(agents.name, q.agent))!);
  if (q.q) {
    const pattern = `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    filters.push(or(sql`${sessions.title} LIKE ${pattern} ESCAPE '\\'`, sql`${sessions.prompt} LIKE ${pattern} ESCAPE '\\'`)!);
  }
  if (cursor) {
    filters.push(or(lt(sessions.createdAt, cursor.createdAt), and(eq(sessions.createdAt, cursor.createdAt), lt(sessions.id, cursor.id)))!);
  }
  const rows = await db
    .select(columns)
    .from(sessions)
    .leftJoin(agents, eq(agents.id, sessions.agentId))
    .where(and(...filters))
    .orderBy(desc(sessions.createdAt), desc(sessions.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit).map(toSummary);
  const last = page.at(-1);
  return { sessions: page, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}
