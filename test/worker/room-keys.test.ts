/**
 * The room's copy of its workspace's device keys (party/room-keys.ts) against the real hub and D1: a key
 * change announced while a fetch is in flight makes that fetch's answer stale, so a signed decision
 * checked with it must not pass on a key revoked meanwhile. The hub's answer is held back to stage the race.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decisionProof } from "../../party/decision-proof";
import { RoomKeys } from "../../party/room-keys";
import type { DecisionBody } from "../../worker/protocol/approval";
import { sessionRoom, workspaceHub } from "../../worker/rooms";
import { api, eventually, seedWorkspace, startedSession } from "./helpers";
import { newKey, pendingApproval, register, sign, statement } from "./signing";

/** A workspace with a registered key, a call waiting in its room, and its owner's approve signed with that key. */
async function signedPending(name: string) {
  const seed = await seedWorkspace(name);
  const key = await newKey();
  await register(seed.userToken, key);
  const { agent } = await startedSession(seed);
  const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
  const approval = (await (await sessionRoom(env, a.sessionId)).approval(a.id))!;
  const body = { decision: "approve", inputSha256: a.inputSha256, signed: await sign(key, statement(seed, a, key)) } as DecisionBody;
  return { seed, key, approval, body };
}

describe("security", () => {
  it("refuses a signed decision whose keys were fetched before its key was revoked, once the room heard of the revocation", async () => {
    const { seed, key, approval, body } = await signedPending("keys-in-flight");

    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const answered: number[] = [];
    const keys = new RoomKeys(env, async (workspaceId, sessionId) => {
      const got = await (await workspaceHub(env, workspaceId)).keysFor(sessionId);
      answered.push(got.length);
      if (answered.length === 1) await held;
      return got;
    });
    const checking = decisionProof(keys, seed.workspaceId, approval, body, null, seed.userId);
    // The hub answered with the keys as they were before the revocation; the answer is still on its way.
    await eventually(async () => answered.length === 1);
    expect((await api(`/api/keys/${key.keyId}/revoke`, seed.userToken, { method: "POST", json: {} })).status).toBe(200);
    keys.changed(); // what the room does when the hub tells it of the change
    release();
    expect(await checking).toMatchObject({ ok: false, code: "FORBIDDEN", message: expect.stringMatching(/revoked/) });
  });

  it("refuses with 409, saying to send it again, a signed decision while the workspace's keys change under every check", async () => {
    const { seed, approval, body } = await signedPending("keys-churn");
    const keys: RoomKeys = new RoomKeys(env, async (workspaceId, sessionId) => {
      const got = await (await workspaceHub(env, workspaceId)).keysFor(sessionId);
      keys.changed();
      return got;
    });
    expect(await decisionProof(keys, seed.workspaceId, approval, body, null, seed.userId)).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: expect.stringMatching(/kept changing.*send it again/),
    });
  });
});
