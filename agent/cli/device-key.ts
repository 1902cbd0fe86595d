/**
 * The CLI's device key: an Ed25519 key pair kept beside the config file (`device-key.json`, mode 0600),
 * whose secret half never leaves this machine. `tower approve`/`deny` sign the canonical decision statement
 * with it (worker/protocol/signed-decision.ts), and `tower keys` signs enrolments and revocations.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Approval, DecisionChoice } from "../../worker/protocol/approval";
import { canonicalJson } from "../../worker/protocol/canonical-json";
import {
  type DecisionStatement,
  fromBase64Url,
  KeyId,
  type KeyEnrolment,
  type KeyRevocation,
  type SignedDecision,
  statementBytes,
} from "../../worker/protocol/signed-decision";
import { ed25519 } from "../ed25519";
import { configPath, type CliContext } from "./config";
import { CliError } from "./output";
import { createHash } from "node:crypto";
import { fingerprintOfDigest } from "../../worker/protocol/device-keys";

/** How long a signed decision stays valid: long enough to reach the machine, short enough to be useless later. */
export const DECISION_TTL_MS = 5 * 60_000;

export const DeviceKeyFile = z.object({
  keyId: KeyId,
  alg: z.literal("ed25519"),
  publicKey: z.string(),
  secretKey: z.string(),
  userId: z.string(),
  workspaceId: z.string(),
  server: z.string(),
});
export type DeviceKeyFile = z.infer<typeof DeviceKeyFile>;

export function deviceKeyPath(ctx: CliContext): string {
  return join(dirname(configPath(ctx.env, ctx.homeDir)), "device-key.json");
}

/** This device's key, or null when it has none (or it belongs to another server or workspace). */
export function readDeviceKey(ctx: CliContext, where?: { server: string; workspaceId?: string }): DeviceKeyFile | null {
  const path = deviceKeyPath(ctx);
  if (!existsSync(path)) return null;
  const r = DeviceKeyFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!r.success) throw new CliError("USAGE", `the device key file ${path} is malformed`, "delete it and run `tower keys add` again");
  if (where && (r.data.server !== where.server || (where.workspaceId && r.data.workspaceId !== where.workspaceId))) return null;
  return r.data;
}

export function writeDeviceKey(ctx: CliContext, key: DeviceKeyFile): string {
  const path = deviceKeyPath(ctx);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function forgetDeviceKey(ctx: CliContext): void {
  rmSync(deviceKeyPath(ctx), { force: true });
}

/**
 * Signs with the platform's native Ed25519 (agent/ed25519.ts: node:crypto, synchronously, the key's import
 * kept), on the path of every approve a person signs.
 */
export function signWith<S extends DecisionStatement | KeyEnrolment | KeyRevocation>(key: DeviceKeyFile, statement: S) {
  const sig = ed25519().sign(statementBytes(statement), key.secretKey, key.publicKey);
  return { statement, signature: { alg: "ed25519" as const, keyId: key.keyId, sig } };
}

/** A short fingerprint of a public key, for a person to compare out of band before trusting it. */
export function fingerprint(publicKey: string): string {
  return fingerprintOfDigest(createHash("sha256").update(fromBase64Url(publicKey)).digest("hex"));
}

/** The decision on `approval` as shown, signed with this device's key. */
export function signDecision(key: DeviceKeyFile, approval: Approval, choice: DecisionChoice, now: number): SignedDecision {
  const edit = choice.decision === "approve" ? choice.updatedInput : undefined;
  return signWith(key, {
    type: "tower.decision/v1",
    workspaceId: key.workspaceId,
    sessionId: approval.sessionId,
    approvalId: approval.id,
    toolUseId: approval.toolUseId,
    inputSha256: approval.inputSha256,
    decision: choice.decision,
    updatedInputSha256: edit ? createHash("sha256").update(canonicalJson(edit)).digest("hex") : null,
    approver: key.userId,
    keyId: key.keyId,
    expiresAt: now + DECISION_TTL_MS,
  });
}
