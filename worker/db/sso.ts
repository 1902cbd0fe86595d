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

/**
 * The SSO button for one workspace the caller names (from the sign-in link its admin shares), if it
 * has SSO. There is deliberately no list of them all: the sign-in page is public.
 */
export async function ssoProviderOf(db: Db, workspaceId: string) {
  return db
    .select({ workspaceId: workspaceSso.workspaceId, workspaceName: workspaces.name, label: workspaceSso.label })
    .from(workspaceSso)
    .innerJoin(workspaces, eq(workspaces.id, workspaceSso.workspaceId))
    .where(eq(workspaceSso.workspaceId, workspaceId));
}
