/**
 * Device keys and signed statements for the workerd tests of signed decisions: a fresh Ed25519 key,
 * its registration through the real route, a statement signed the way `tower approve` signs it, and a
 * pending approval asked for by the agent. Shared so each test file signs exactly alike.
 */
import * as ed from "@noble/ed25519";
import type { Json } from "../../worker/protocol/json";
import { type DecisionStatement, type KeyEnrolment, type KeyRevocation, keyIdOf, statementBytes, toBase64Url } from "../../worker/protocol/signed-decision";
import { api, envelope, eventually, type Seed, type Socket } from "./helpers";

export interface Key {
  secret: Uint8Array;
  publicKey: string;
  keyId: string;
}

export async function newKey(): Promise<Key> {
  const secret = ed.utils.randomSecretKey();
  const pub = await ed.getPublicKeyAsync(secret);
  return { secret, publicKey: toBase64Url(pub), keyId: await keyIdOf(pub) };
}

export async function sign<S extends DecisionStatement | KeyEnrolment | KeyRevocation>(key: Key, statement: S) {
  return { statement, signature: { alg: "ed25519" as const, keyId: key.keyId, sig: toBase64Url(await ed.signAsync(statementBytes(statement), key.secret)) } };
}

export async function register(token: string, key: Key): Promise<Response> {
  return api("/api/keys", token, { method: "POST", json: { alg: "ed25519", publicKey: key.publicKey, label: "laptop" } });
}

export async function pendingApproval(seed: Seed, agent: Socket, requestId: string, input: Record<string, Json>) {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId, toolName: "Bash", toolUseId: `tu-${requestId}`, input })] });
  return eventually(async () => {
    const r = await (await api("/api/approvals", seed.userToken)).json<{
      approvals: { id: string; sessionId: string; toolUseId: string; inputSha256: string; status: string }[];
    }>();
    return r.approvals.find((a) => a.toolUseId === `tu-${requestId}`);
  });
}

export type Pending = Awaited<ReturnType<typeof pendingApproval>>;

/** The decision statement the seed's owner signs with `key` (an Ed25519 key or a passkey) for `a` (approve, no edit, a minute to live). */
export function statement(seed: Seed, a: Pending, key: Pick<Key, "keyId">, over: Partial<DecisionStatement> = {}): DecisionStatement {
  return {
    type: "tower.decision/v1",
    workspaceId: seed.workspaceId,
    sessionId: a.sessionId,
    approvalId: a.id,
    toolUseId: a.toolUseId,
    inputSha256: a.inputSha256,
    decision: "approve",
    updatedInputSha256: null,
    approver: seed.userId,
    keyId: key.keyId,
    expiresAt: Date.now() + 60_000,
    ...over,
  };
}
