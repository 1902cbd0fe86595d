/**
 * Device keys in D1: the public halves people register, with the signed enrolment and revocation
 * statements Tower forwards to machines. Rows are never deleted: a revoked key stays listed as revoked.
 */
import { and, eq } from "drizzle-orm";
import type { DeviceKeyInfo } from "../protocol/device-keys";
import type { SignedEnrolment, SignedRevocation } from "../protocol/signed-decision";
import type { Db } from "./client";
import { deviceKeys } from "./schema";

type Row = typeof deviceKeys.$inferSelect;

function toInfo(r: Row): DeviceKeyInfo {
  return {
    id: r.id as DeviceKeyInfo["id"],
    userId: r.userId,
    alg: r.alg === "webauthn" ? "webauthn" : "ed25519",
    publicKey: r.publicKey,
    webauthn: r.webauthn ?? null,
    label: r.label,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt ?? null,
    enrolment: r.enrolment ?? null,
    revocation: r.revocation ?? null,
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
