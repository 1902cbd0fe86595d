/**
 * Device keys in D1: the public halves people register, with the signed enrolment and revocation
 * statements Tower forwards to machines. Rows are never deleted: a revoked key stays listed as revoked.
 */
import { and, eq, isNotNull, or } from "drizzle-orm";
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
  row: Omit<Row, "revokedAt" | "enrolment" | "revocation" | "webauthn"> & { webauthn?: Row["webauthn"] },
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

/**
 * What a signed decision needs, in one read (one round trip on the decision's path, not two): the signing
 * key as registered, and every signed revocation of the workspace.
 */
export async function decisionKeys(db: Db, workspaceId: string, keyId: string): Promise<{ key: DeviceKeyInfo | null; revocations: SignedRevocation[] }> {
  const rows = await db
    .select()
    .from(deviceKeys)
    .where(and(eq(deviceKeys.workspaceId, workspaceId), or(eq(deviceKeys.id, keyId), isNotNull(deviceKeys.revocation))));
  const key = rows.find((r) => r.id === keyId);
  // A revocation that does not read cannot be forwarded; its key is refused here (keyRefusal) and on its revokedAt.
  return { key: key ? toInfo(key) : null, revocations: rows.flatMap((r) => readable(r.revocation) ?? []) };
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
