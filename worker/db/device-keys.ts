/**
 * Device keys in D1: the public halves people register, with the signed enrolment and revocation
 * statements Tower forwards to machines. Rows are never deleted: a revoked key stays listed as revoked.
 */
import { and, eq, lt } from "drizzle-orm";
import type { DeviceKeyInfo } from "../protocol/device-keys";
import type { SignedEnrolment, SignedRevocation } from "../protocol/signed-decision";
import { isUnreadable, type Unreadable } from "./checked-json";
import type { Db } from "./client";
import { deviceKeys } from "./schema";

type Row = typeof deviceKeys.$inferSelect;

const readable = <T>(v: T | Unreadable | null): T | null => (v === null || isUnreadable(v) ? null : v);

/**
 * A key as listed and checked. A statement that no longer reads is shown as null with the reason in
 * `unreadable`, never as "none": every check refuses such a key (keyRefusal in protocol/device-keys.ts), because an enrolment, a
 * revocation or a passkey credential we cannot read could be the one that says the key may not decide.
 */
function toInfo(r: Row): DeviceKeyInfo {
  const broken = (["enrolment", "revocation", "webauthn"] as const).flatMap((col) => {
    const v = r[col];
    return isUnreadable(v) ? [`its stored ${col} does not read (${v.unreadable})`] : [];
  });
  return {
    id: r.id as DeviceKeyInfo["id"],
    userId: r.userId,
    alg: r.alg === "webauthn" ? "webauthn" : "ed25519",
    publicKey: r.publicKey,
    webauthn: readable(r.webauthn),
    label: r.label,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt ?? null,
    enrolment: readable(r.enrolment),
    revocation: readable(r.revocation),
    ...(broken.length ? { unreadable: `${broken.join("; ")}: it signs nothing; revoke it and add a new key (\`tower keys add\`)` } : {}),
  };
}

export async function insertDeviceKey(
  db: Db,
  row: Omit<Row, "revokedAt" | "enrolment" | "revocation" | "webauthn" | "signCount"> & { webauthn?: Row["webauthn"]; signCount?: number },
): Promise<boolean> {
  const r = await db.insert(deviceKeys).values(row).onConflictDoNothing().returning({ id: deviceKeys.id });
  return r.length > 0;
}

export async function getDeviceKey(db: Db, workspaceId: string, id: string): Promise<DeviceKeyInfo | null> {
  const rows = await db
    .select()
    .from(deviceKeys)
    .where(and(eq(deviceKeys.workspaceId, workspaceId), eq(deviceKeys.id, id)))
    .limit(1);
  return rows[0] ? toInfo(rows[0]) : null;
}

/** One person's keys, or (userId null) every key of the workspace; public halves only. */
export async function listDeviceKeys(db: Db, workspaceId: string, userId: string | null): Promise<DeviceKeyInfo[]> {
  const where = userId ? and(eq(deviceKeys.workspaceId, workspaceId), eq(deviceKeys.userId, userId)) : eq(deviceKeys.workspaceId, workspaceId);
  return (await db.select().from(deviceKeys).where(where).orderBy(deviceKeys.createdAt)).map(toInfo);
}

export async function setEnrolment(db: Db, workspaceId: string, id: string, enrolment: SignedEnrolment): Promise<void> {
  await db
    .update(deviceKeys)
    .set({ enrolment })
    .where(and(eq(deviceKeys.workspaceId, workspaceId), eq(deviceKeys.id, id)));
}

export async function revokeDeviceKey(db: Db, workspaceId: string, id: string, at: number, revocation: SignedRevocation | null): Promise<void> {
  await db
    .update(deviceKeys)
    .set({ revokedAt: at, ...(revocation ? { revocation } : {}) })
    .where(and(eq(deviceKeys.workspaceId, workspaceId), eq(deviceKeys.id, id)));
}

/**
 * Keeps a passkey's reported signature counter if it follows the last one accepted (signCountProblem), in one
 * conditional write so two decisions racing with one counter cannot both pass; false when it does not.
 * The one D1 access on a passkey decision's path: the counter is workspace-wide and must move atomically.
 */
export async function advanceSignCount(db: Db, workspaceId: string, id: string, reported: number): Promise<boolean> {
  const where = and(eq(deviceKeys.workspaceId, workspaceId), eq(deviceKeys.id, id));
  if (reported === 0) {
    // An authenticator that does not count stands only while nothing was ever counted for this key.
    const rows = await db.select({ signCount: deviceKeys.signCount }).from(deviceKeys).where(where).limit(1);
    return rows[0]?.signCount === 0;
  }
  const r = await db
    .update(deviceKeys)
    .set({ signCount: reported })
    .where(and(where, lt(deviceKeys.signCount, reported)))
    .returning({ id: deviceKeys.id });
  return r.length > 0;
}
