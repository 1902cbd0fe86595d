/**
 * Push subscriptions and preferences in D1. A browser's endpoint is unique per workspace: subscribing
 * it again (another person signed in on that browser, new keys) replaces the row. The sender reads a
 * workspace's subscribers with their roles in one query, and deletes endpoints the push service says are gone.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { WorkspaceRole } from "../domain/policy";
import { DEFAULT_PUSH_PREFERENCES, type PushDevice, type PushPreferences, type PushSubscribeBody, type QuietHours } from "../protocol/push";
import { isUnreadable, type Unreadable } from "./checked-json";
import type { Db } from "./client";
import { memberships, pushPreferences, pushSubscriptions } from "./schema";

export interface StoredSubscription {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export async function upsertPushSubscription(db: Db, workspaceId: string, userId: string, id: string, s: PushSubscribeBody, now: number): Promise<string> {
  const [row] = await db
    .insert(pushSubscriptions)
    .values({ id, workspaceId, userId, endpoint: s.endpoint, p256dh: s.keys.p256dh, auth: s.keys.auth, device: s.device, createdAt: now })
    .onConflictDoUpdate({
      target: [pushSubscriptions.workspaceId, pushSubscriptions.endpoint],
      set: { userId, p256dh: s.keys.p256dh, auth: s.keys.auth, device: s.device, createdAt: now },
    })
    .returning({ id: pushSubscriptions.id });
  return row!.id;
}

export async function listPushDevices(db: Db, workspaceId: string, userId: string): Promise<PushDevice[]> {
  const rows = await db
    .select()
    .from(pushSubscriptions)
    .where(and(eq(pushSubscriptions.workspaceId, workspaceId), eq(pushSubscriptions.userId, userId)))
    .orderBy(pushSubscriptions.createdAt);
  return rows.map((r) => ({ id: r.id, device: r.device, service: new URL(r.endpoint).host, createdAt: r.createdAt }));
}

/** Removes one of the person's own devices; false when they have no such device. */
export async function deletePushDevice(db: Db, workspaceId: string, userId: string, id: string): Promise<boolean> {
  const gone = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.workspaceId, workspaceId), eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.id, id)))
    .returning({ id: pushSubscriptions.id });
  return gone.length > 0;
}

export async function deletePushSubscriptions(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db.delete(pushSubscriptions).where(inArray(pushSubscriptions.id, ids));
}

/**
 * Stored preferences as the sender and the settings read them. Quiet hours that no longer read count as
 * none: a push is a convenience (the call waits in the inbox either way), and a push that arrives in
 * what were meant to be quiet hours is noticed and fixed in settings, where `quietUnreadable` says why;
 * one silently withheld is not, and would leave calls to expire unseen.
 */
function storedPreferences(row: { scope: PushPreferences["scope"]; quiet: QuietHours | Unreadable | null } | null): StoredPreferences {
  if (!row) return { preferences: DEFAULT_PUSH_PREFERENCES };
  if (!isUnreadable(row.quiet)) return { preferences: { scope: row.scope, quiet: row.quiet } };
  const quietUnreadable = `Your quiet hours no longer read (${row.quiet.unreadable}); until you set them again, pushes come at any hour.`;
  return { preferences: { scope: row.scope, quiet: null }, quietUnreadable };
}

export interface StoredPreferences {
  preferences: PushPreferences;
  quietUnreadable?: string;
}

export async function getPushPreferences(db: Db, workspaceId: string, userId: string): Promise<StoredPreferences> {
  const [row] = await db
    .select()
    .from(pushPreferences)
    .where(and(eq(pushPreferences.workspaceId, workspaceId), eq(pushPreferences.userId, userId)));
  return storedPreferences(row ?? null);
}

export async function putPushPreferences(db: Db, workspaceId: string, userId: string, p: PushPreferences, now: number): Promise<void> {
  await db
    .insert(pushPreferences)
    .values({ workspaceId, userId, scope: p.scope, quiet: p.quiet, updatedAt: now })
    .onConflictDoUpdate({ target: [pushPreferences.workspaceId, pushPreferences.userId], set: { scope: p.scope, quiet: p.quiet, updatedAt: now } });
}

/**
 * Every subscribed device of the workspace's current members, with its member's role and preferences
 * (a person who left is skipped: their role is gone, so they may decide nothing). `stored` says whether
 * the workspace holds any subscription row at all, a departed member's included: false means nothing
 * can be pushed until someone subscribes (PushNotifier skips its reads until then).
 */
export async function workspaceSubscribers(
  db: Db,
  workspaceId: string,
): Promise<{ stored: boolean; subscribers: { subscription: StoredSubscription; role: WorkspaceRole; preferences: PushPreferences }[] }> {
  const rows = await db
    .select({ s: pushSubscriptions, role: memberships.role, scope: pushPreferences.scope, quiet: pushPreferences.quiet })
    .from(pushSubscriptions)
    .leftJoin(memberships, and(eq(memberships.workspaceId, pushSubscriptions.workspaceId), eq(memberships.userId, pushSubscriptions.userId)))
    .leftJoin(pushPreferences, and(eq(pushPreferences.workspaceId, pushSubscriptions.workspaceId), eq(pushPreferences.userId, pushSubscriptions.userId)))
    .where(eq(pushSubscriptions.workspaceId, workspaceId));
  const subscribers = rows.flatMap((r) =>
    r.role === null
      ? []
      : [
          {
            subscription: { id: r.s.id, userId: r.s.userId, endpoint: r.s.endpoint, p256dh: r.s.p256dh, auth: r.s.auth },
            role: r.role as WorkspaceRole,
            preferences: storedPreferences(r.scope ? { scope: r.scope, quiet: r.quiet } : null).preferences,
          },
        ],
  );
  return { stored: rows.length > 0, subscribers };
}
