/**
 * Signed decisions through the real Worker, room and D1 (issue 14 §2): device keys are registered,
 * enrolled and revoked with signed statements; on a machine that requires signed decisions an unsigned
 * approve and a rule's allow are refused, a signed approve reaches the agent with its proof, and the
 * agent's refusal reopens the approval.
 */
import { describe, expect, it } from "vitest";
import type { DeviceKeyInfo } from "../../worker/protocol/device-keys";
import type { KeyEnrolment, KeyRevocation } from "../../worker/protocol/signed-decision";
import { api, envelope, eventually, memberWith, openSocket, seedWorkspace, type Seed, startedSession } from "./helpers";
import { type Key, newKey, type Pending, pendingApproval, register, sign, statement } from "./signing";

type Frame = Record<string, unknown>;

async function requireSigned(seed: Seed): Promise<void> {
  const r = await api(`/api/agents/${seed.agentId}`, seed.userToken, { method: "PATCH", json: { requireSignedDecisions: true } });
  expect(r.status).toBe(200);
  expect(await r.json()).toMatchObject({ requireSignedDecisions: true });
}

describe("happy", () => {
  it("registers a key by its public half, lists it, enrols another member's key and revokes it with a signed revocation", async () => {
    const seed = await seedWorkspace("keys");
    const owner = await newKey();
    const res = await register(seed.userToken, owner);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: owner.keyId, userId: seed.userId, publicKey: owner.publicKey, revokedAt: null, enrolment: null });

    const bob = await memberWith(seed, "member", "bob");
    const bobKey = await newKey();
    expect((await register(bob.token, bobKey)).status).toBe(201);
    const enrolment = await sign(owner, {
      type: "tower.enrolment/v1",
      workspaceId: seed.workspaceId,
      userId: bob.userId,
      keyId: bobKey.keyId,
      alg: "ed25519",
      publicKey: bobKey.publicKey,
      right: "decide",
      machines: null,
      issuedAt: Date.now(),
    } as KeyEnrolment);
    const enrolled = await api(`/api/keys/${bobKey.keyId}/enrolment`, seed.userToken, { method: "PUT", json: { enrolment } });
    expect(enrolled.status).toBe(200);
    expect((await enrolled.json<DeviceKeyInfo>()).enrolment).toEqual(enrolment);

    const all = await (await api("/api/keys?all=true", bob.token)).json<{ keys: DeviceKeyInfo[] }>();
    expect(all.keys.map((k) => k.id).sort()).toEqual([owner.keyId, bobKey.keyId].sort());
    const mine = await (await api("/api/keys", bob.token)).json<{ keys: DeviceKeyInfo[] }>();
    expect(mine.keys.map((k) => k.id)).toEqual([bobKey.keyId]);

    const revocation = await sign(owner, {
      type: "tower.revocation/v1",
      workspaceId: seed.workspaceId,
      keyId: bobKey.keyId,
      revokedAt: Date.now(),
    } as KeyRevocation);
    const revoked = await api(`/api/keys/${bobKey.keyId}/revoke`, seed.userToken, { method: "POST", json: { revocation } });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ revocation, revokedAt: expect.any(Number) });
  });

  it("on a machine requiring signed decisions, a signed approve reaches the agent with its proof; an unsigned deny stands", async () => {
    const seed = await seedWorkspace("signed-approve");
    const key = await newKey();
    await register(seed.userToken, key);
    // Another key of the workspace, revoked by itself: its signed revocation travels with every proof.
    const old = await newKey();
    await register(seed.userToken, old);
    const revocation = await sign(old, {
      type: "tower.revocation/v1",
      workspaceId: seed.workspaceId,
      keyId: old.keyId,
      revokedAt: Date.now(),
    } as KeyRevocation);
    expect((await api(`/api/keys/${old.keyId}/revoke`, seed.userToken, { method: "POST", json: { revocation } })).status).toBe(200);
    await requireSigned(seed);
    const { agent } = await startedSession(seed);
    const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
    const signed = await sign(key, statement(seed, a, key));
    const res = await api(`/api/approvals/${a.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", inputSha256: a.inputSha256, signed },
    });
    expect(res.status).toBe(200);
    const frame = await agent.next((f) => f.type === "decision" && f.requestId === "r1");
    expect(frame).toMatchObject({ answer: { behavior: "allow" }, proof: { decision: signed, enrolment: null, revocations: [revocation] } });

    const b = await pendingApproval(seed, agent, "r2", { command: "rm -rf /" });
    const deny = await api(`/api/approvals/${b.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "deny", inputSha256: b.inputSha256, comment: "no" },
    });
    expect(deny.status).toBe(200);
  });

  it("the agent's refusal reopens the approval, which a signed decision then decides", async () => {
    const seed = await seedWorkspace("signed-refused");
    const key = await newKey();
    await register(seed.userToken, key);
    await requireSigned(seed);
    const { id, agent } = await startedSession(seed);
    const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
    const body = { decision: "approve", inputSha256: a.inputSha256, signed: await sign(key, statement(seed, a, key)) };
    expect((await api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: body })).status).toBe(200);
    await agent.next((f) => f.type === "decision" && f.requestId === "r1");
    agent.send({ type: "decision-refused", requestId: "r1", reason: "key key_x is not enrolled on this machine" });
    const reopened = await eventually(async () => {
      const r = await (await api(`/api/approvals/${a.id}`, seed.userToken)).json<{ status: string }>();
      return r.status === "pending" ? r : null;
    });
    expect(reopened).toMatchObject({ status: "pending", decidedBy: null, via: null });
    const session = await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string; statusReason: string }>();
    expect(session).toMatchObject({ status: "waiting_for_approval", statusReason: expect.stringContaining("not enrolled on this machine") });
    const again = { ...body, signed: await sign(key, statement(seed, a, key)) };
    expect((await api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: again })).status).toBe(200);
    await agent.next((f) => f.type === "decision" && f.requestId === "r1");
  });
});

describe("errors", () => {
  it("refuses a malformed public key and a second registration of a key, in the error envelope", async () => {
    const seed = await seedWorkspace("keys-errors");
    const bad = await api("/api/keys", seed.userToken, { method: "POST", json: { alg: "ed25519", publicKey: "short", label: "x" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "BAD_REQUEST" } });
    const key = await newKey();
    expect((await register(seed.userToken, key)).status).toBe(201);
    const again = await register(seed.userToken, key);
    expect(again.status).toBe(409);
  });
});

describe("security", () => {
  it("refuses an unsigned approve on a machine that requires signed decisions, saying how to sign", async () => {
    const seed = await seedWorkspace("unsigned");
    await requireSigned(seed);
    const { agent } = await startedSession(seed);
    const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
    const res = await api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256: a.inputSha256 } });
    expect(res.status).toBe(403);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/requires signed decisions.*tower keys add/);
  });

  it("refuses a signature over another input, a forged signature, an expired statement and a revoked key, with 403", async () => {
    const seed = await seedWorkspace("bad-signatures");
    const key = await newKey();
    await register(seed.userToken, key);
    const { agent } = await startedSession(seed);
    const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
    const decide = async (signed: unknown) =>
      api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256: a.inputSha256, signed } });
    const other = await decide(await sign(key, statement(seed, a, key, { inputSha256: "f".repeat(64) })));
    expect(other.status).toBe(403);
    expect((await other.json<{ error: { message: string } }>()).error.message).toMatch(/another tool call or input/);
    const forger = await newKey();
    const forged = await sign(forger, statement(seed, a, key));
    expect((await decide({ ...forged, signature: { ...forged.signature, keyId: key.keyId } })).status).toBe(403);
    const expired = await decide(await sign(key, statement(seed, a, key, { expiresAt: Date.now() - 1 })));
    expect((await expired.json<{ error: { message: string } }>()).error.message).toMatch(/expired/);
    await api(`/api/keys/${key.keyId}/revoke`, seed.userToken, { method: "POST", json: {} });
    const revoked = await decide(await sign(key, statement(seed, a, key)));
    expect(revoked.status).toBe(403);
    expect((await revoked.json<{ error: { message: string } }>()).error.message).toMatch(/revoked/);
  });

  it("refuses a key revoked after the room has its workspace's keys at once, and accepts a key registered after it at once", async () => {
    const seed = await seedWorkspace("keys-at-once");
    const key = await newKey();
    await register(seed.userToken, key);
    const { agent } = await startedSession(seed);
    const decide = async (a: Pending, k: Key) =>
      api(`/api/approvals/${a.id}/decision`, seed.userToken, {
        method: "POST",
        json: { decision: "approve", inputSha256: a.inputSha256, signed: await sign(k, statement(seed, a, k)) },
      });
    // The first signed decision makes the room hold the workspace's keys.
    expect((await decide(await pendingApproval(seed, agent, "r1", { command: "ls" }), key)).status).toBe(200);
    const later = await newKey();
    expect((await register(seed.userToken, later)).status).toBe(201);
    expect((await decide(await pendingApproval(seed, agent, "r2", { command: "pwd" }), later)).status).toBe(200);
    expect((await api(`/api/keys/${key.keyId}/revoke`, seed.userToken, { method: "POST", json: {} })).status).toBe(200);
    const refused = await decide(await pendingApproval(seed, agent, "r3", { command: "id" }), key);
    expect(refused.status).toBe(403);
    expect((await refused.json<{ error: { message: string } }>()).error.message).toMatch(/revoked/);
  });

  it("turns a rule's allow into an ask on a machine that requires signed decisions", async () => {
    const seed = await seedWorkspace("signed-rules");
    await api("/api/rules", seed.userToken, {
      method: "PUT",
      json: { source: "rules:\n  - id: ls-ok\n    decision: allow\n    tool: Bash\n    command: ls *\n" },
    });
    await requireSigned(seed);
    const { id, agent } = await startedSession(seed);
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: "r1", toolName: "Bash", input: { command: "ls -la" } })] });
    const held = await viewer.next((f: Frame) => f.type === "events" && JSON.stringify(f).includes("approval-held"));
    expect(JSON.stringify(held)).toMatch(/requires signed decisions, so a person decides/);
    expect(agent.frames.some((f) => f.type === "decision")).toBe(false);
  });

  it("refuses an enrolment signed with another person's key", async () => {
    const seed = await seedWorkspace("enrol-foreign");
    const bob = await memberWith(seed, "member", "bob");
    const bobKey = await newKey();
    await register(bob.token, bobKey);
    const ownerKey = await newKey();
    await register(seed.userToken, ownerKey);
    const enrolment = await sign(ownerKey, {
      type: "tower.enrolment/v1",
      workspaceId: seed.workspaceId,
      userId: bob.userId,
      keyId: bobKey.keyId,
      alg: "ed25519",
      publicKey: bobKey.publicKey,
      right: "decide",
      machines: null,
      issuedAt: Date.now(),
    } as KeyEnrolment);
    // Bob cannot present the owner's signature as his own act.
    const r = await api(`/api/keys/${bobKey.keyId}/enrolment`, bob.token, { method: "PUT", json: { enrolment } });
    expect(r.status).toBe(403);
  });
});
