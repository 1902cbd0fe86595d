/**
 * Device codes in D1. Every state change is conditional on the current state, so two approvals, or
 * two polls racing for the same approved code, cannot both win.
 */
import { and, eq, gt } from "drizzle-orm";
import type { Db } from "./client";
import { deviceCodes } from "./schema";

export type DeviceRow = typeof deviceCodes.$inferSelect;

export async function createDeviceCode(db: Db, row: Omit<DeviceRow, "status" | "workspaceId" | "userId" | "scopes">): Promise<void> {
  await db.insert(deviceCodes).values({ ...row, status: "pending", workspaceId: null, userId: null, scopes: null });
}

export async function pendingByUserCode(db: Db, userCode: string, now: number): Promise<DeviceRow | null> {
  const rows = await db
    .select()
    .from(deviceCodes)
    .where(and(eq(deviceCodes.userCode, userCode), eq(deviceCodes.status, "pending"), gt(deviceCodes.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

/** Records the decision, with the approving token's scopes: the device's token will get no more. */
export async function decideDevice(
  db: Db,
  userCode: string,
  status: "approved" | "denied",
  by: { workspaceId: string; userId: string; scopes: readonly string[] },
): Promise<boolean> {
  const r = await db
    .update(deviceCodes)
    .set({ status, workspaceId: by.workspaceId, userId: by.userId, scopes: [...by.scopes] })
    .where(and(eq(deviceCodes.userCode, userCode), eq(deviceCodes.status, "pending")))
    .returning({ h: deviceCodes.deviceCodeHash });
  return r.length > 0;
}

export async function byDeviceCode(db: Db, hash: string): Promise<DeviceRow | null> {
  return (await db.select().from(deviceCodes).where(eq(deviceCodes.deviceCodeHash, hash)).limit(1))[0] ?? null;
}

/** Marks an approved code used; true only for the one poll that gets to mint its token. */
export async function claimApproved(db: Db, hash: string): Promise<boolean> {
  const r = await db
    .update(deviceCodes)
    .set({ status: "used" })
    .where(and(eq(deviceCodes.deviceCodeHash, hash), eq(deviceCodes.status, "approved")))
    .returning({ h: deviceCodes.deviceCodeHash });
  return r.length > 0;
}
