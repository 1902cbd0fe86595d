/**
 * The room's refusal of a cloned passkey (issue 14 §2, migration 0021): each passkey decision must report a
 * signature counter above the last one accepted for that key, kept in D1 by one conditional write, so a
 * replayed or cloned authenticator's assertion is refused with 403 and two decisions racing with one counter
 * cannot both pass. Assertions come from the software authenticator the unit tests use (test/unit/soft-authenticator.ts).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../worker/db/client";
import { insertDeviceKey } from "../../worker/db/device-keys";
import { fromBase64Url, keyIdOf, type KeyId, statementChallenge } from "../../worker/protocol/signed-decision";
import { softPasskey } from "../unit/soft-authenticator";
import { api, type Seed, seedWorkspace, startedSession } from "./helpers";
import { type Pending, pendingApproval, statement } from "./signing";

const RP = { rpId: "tower.test", origin: "http://tower.test" };

/** A passkey of the seed's owner, stored as the passkeys route stores one (its counter as registration reported it). */
async function passkeyOf(seed: Seed, name: string) {
  const p = softPasskey(name);
  const keyId = (await keyIdOf(fromBase64Url(p.publicKey))) as KeyId;
  await insertDeviceKey(makeDb(env.DB), {
    id: keyId,
    workspaceId: seed.workspaceId,
    userId: seed.userId,
    alg: "webauthn",
    publicKey: p.publicKey,
    label: "phone",
    createdAt: Date.now(),
    webauthn: { credentialId: p.credentialId, ...RP },
    signCount: 0,
  });
  /** Approves `a` with an assertion reporting `signCount`. */
  return async (a: Pending, signCount: number) => {
    const s = statement(seed, a, { keyId });
    const signature = { ...p.assert(await statementChallenge(s), { ...RP, signCount }), keyId };
    return api(`/api/approvals/${a.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", inputSha256: a.inputSha256, signed: { statement: s, signature } },
    });
  };
}

describe("security", () => {
  it("refuses a passkey decision whose signature counter does not increase over the last one accepted, saying it may be cloned", async () => {
    const seed = await seedWorkspace("passkey-counter");
    const approve = await passkeyOf(seed, "counter");
    const { agent } = await startedSession(seed);
    expect((await approve(await pendingApproval(seed, agent, "r1", { command: "ls" }), 5)).status).toBe(200);
    const r2 = await pendingApproval(seed, agent, "r2", { command: "pwd" });
    for (const replayed of [5, 3, 0]) {
      const refused = await approve(r2, replayed);
      expect(refused.status).toBe(403);
      expect((await refused.json<{ error: { message: string } }>()).error.message).toMatch(
        new RegExp(`reported signature counter ${replayed}, not above the last one accepted; its authenticator may have been cloned`),
      );
    }
    expect((await approve(r2, 6)).status).toBe(200);
  });

  it("lets one of two decisions racing with the same counter pass, never both", async () => {
    const seed = await seedWorkspace("passkey-race");
    const approve = await passkeyOf(seed, "race");
    const { agent } = await startedSession(seed);
    const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
    const b = await pendingApproval(seed, agent, "r2", { command: "pwd" });
    const both = await Promise.all([approve(a, 7), approve(b, 7)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
  });

  it("accepts an authenticator that never counts (always 0) while nothing was counted for its key", async () => {
    const seed = await seedWorkspace("passkey-zero");
    const approve = await passkeyOf(seed, "zero");
    const { agent } = await startedSession(seed);
    expect((await approve(await pendingApproval(seed, agent, "r1", { command: "ls" }), 0)).status).toBe(200);
    expect((await approve(await pendingApproval(seed, agent, "r2", { command: "pwd" }), 0)).status).toBe(200);
  });
});
