/**
 * Per-workspace OpenID Connect settings in D1. The client secret column holds only the sealed
 * (encrypted) secret; `publicSso` never selects it.
 */
import { eq } from "drizzle-orm";
import type { Db } from "./client";
import { workspaces, workspaceSso } from "./schema";

export type SsoRow = typeof workspaceSso.$inferSelect;

export async function getSso(db: Db, workspaceId: string): Promise<SsoRow | null> {
  return (await db.select().from(workspaceSso).where(eq(workspaceSso.workspaceId, workspaceId)).limit(1))[0] ?? null;
}

export async function putSso(db: Db, row: SsoRow): Promise<void> {
  const { workspaceId, ...rest } = row;
  await db.insert(workspaceSso).values(row).onConflictDoUpdate({ target: workspaceSso.workspaceId, set: rest });
}

export async function deleteSso(db: Db, workspaceId: string): Promise<boolean> {
  return (await db.delete(workspaceSso).where(eq(workspaceSso.workspaceId, workspaceId)).returning({ id: workspaceSso.workspaceId })).length > 0;
}

/** Every workspace that offers SSO, for the sign-in page's buttons. */
export async function listSsoWorkspaces(db: Db) {
  return db
    .select({ workspaceId: workspaceSso.workspaceId, workspaceName: workspaces.name, label: workspaceSso.label })
    .from(workspaceSso)
    .innerJoin(workspaces, eq(workspaces.id, workspaceSso.workspaceId))
    .orderBy(workspaces.name);
}
