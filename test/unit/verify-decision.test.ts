/**
 * The agent's check of a decision (agent/verify-decision.ts), as a table: what a machine that requires
 * signed decisions applies, and every way a decision is refused (a compromised server's forgeries, a
 * signature for another input, a revoked key, an expired statement, an enrolment not signed by the owner).
 */
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import { type HeldCall, type Trust, verifyDecision } from "../../agent/verify-decision";
import type { ApprovalAnswer } from "../../worker/protocol/agent";
import {
  type DecisionProof,
  type DecisionStatement,
  type KeyEnrolment,
  type KeyRevocation,
  keyIdOf,
  statementBytes,
  toBase64Url,
} from "../../worker/protocol/signed-decision";
import { decisionStatement, HELD, sha } from "./decision-statements";

const NOW = 1_800_000_000_000;
const AGENT = "agt_00000000000000000001";

async function key(seed: number) {
  const secret = new Uint8Array(32).fill(seed);
  const pub = await ed.getPublicKeyAsync(secret);
  return { secret, publicKey: toBase64Url(pub), keyId: await keyIdOf(pub) };
}
type Key = Awaited<ReturnType<typeof key>>;

async function sign<S extends DecisionStatement | KeyEnrolment | KeyRevocation>(k: Key, statement: S, as = k.keyId) {
  return {
    statement,
    signature: { alg: "ed25519" as const, keyId: as as S["keyId"], sig: toBase64Url(await ed.signAsync(statementBytes(statement), k.secret)) },
  };
}

const owner = await key(1);
const ann = await key(2);
const stranger = await key(3);

const statement = (k: Key, over: Partial<DecisionStatement> = {}) => decisionStatement(k.keyId, NOW, over);

function enrolment(k: Key, over: Partial<Omit<KeyEnrolment & { alg: "ed25519" }, "alg">> = {}): KeyEnrolment {
  return {
    type: "tower.enrolment/v1",
    workspaceId: "wsp_00000000000000000001",
    userId: "usr_ann",
    keyId: k.keyId as KeyEnrolment["keyId"],
    alg: "ed25519",
    publicKey: k.publicKey,
    right: "decide",
    machines: null,
    issuedAt: NOW - 1000,
    ...over,
  };
}

const revocation = (k: Key): KeyRevocation => ({
  type: "tower.revocation/v1",
  workspaceId: "wsp_00000000000000000001",
  keyId: k.keyId as KeyRevocation["keyId"],
  revokedAt: NOW - 1,
});
const TRUST: Trust = { owner: { keyId: owner.keyId, publicKey: owner.publicKey }, revoked: new Set() };
const ALLOW: ApprovalAnswer = { behavior: "allow" };

async function annProof(over: Partial<DecisionStatement> = {}, extra: Partial<DecisionProof> = {}): Promise<DecisionProof> {
  return { decision: await sign(ann, statement(ann, over)), enrolment: await sign(owner, enrolment(ann)), revocations: [], ...extra };
}

type Case = [string, () => Promise<{ answer?: ApprovalAnswer; proof?: DecisionProof; trust?: Trust; held?: HeldCall }>, string | null];

const cases: Case[] = [
  ["the owner's signed approve", async () => ({ proof: { decision: await sign(owner, statement(owner)), enrolment: null, revocations: [] } }), null],
  ["an enrolled approver's signed approve", async () => ({ proof: await annProof() }), null],
  ["an unsigned deny (it runs nothing)", async () => ({ answer: { behavior: "deny", message: "no" } }), null],
  [
    "an approve with the edit that was signed",
    async () => ({
      answer: { behavior: "allow", updatedInput: { command: "make test" } },
      proof: await annProof({ updatedInputSha256: sha({ command: "make test" }) }),
    }),
    null,
  ],
  ["an unsigned approve (a forged decision from the server)", async () => ({}), "not signed"],
  ["a valid signature for another input", async () => ({ proof: await annProof({ inputSha256: sha({ command: "ls" }) }) }), "another input"],
  [
    "a signed approve of another call held on the same input",
    async () => ({ proof: await annProof(), held: { ...HELD, toolUseId: "toolu_2" } }),
    "another tool call",
  ],
  ["an expired statement", async () => ({ proof: await annProof({ expiresAt: NOW - 1 }) }), "expired"],
  ["a statement valid for hours", async () => ({ proof: await annProof({ expiresAt: NOW + 3 * 3600_000 }) }), "too long"],
  ["a key this machine knows is revoked", async () => ({ proof: await annProof(), trust: { ...TRUST, revoked: new Set([ann.keyId]) } }), "revoked"],
  [
    "a key revoked by its owner's signed revocation in the proof",
    async () => ({ proof: await annProof({}, { revocations: [await sign(owner, revocation(ann))] }) }),
    "revoked",
  ],
  ["a key that revoked itself", async () => ({ proof: await annProof({}, { revocations: [await sign(ann, revocation(ann))] }) }), "revoked"],
  ["a signed deny statement presented as an approve", async () => ({ proof: await annProof({ decision: "deny" }) }), "does not approve"],
  [
    "an edit that was not signed",
    async () => ({ answer: { behavior: "allow", updatedInput: { command: "rm -rf /" } }, proof: await annProof() }),
    "edited input",
  ],
  [
    "a forged signature naming the approver's key",
    async () => ({ proof: { ...(await annProof()), decision: await sign(stranger, statement(ann), ann.keyId) } }),
    "does not verify",
  ],
  ["a key with no enrolment", async () => ({ proof: { ...(await annProof()), enrolment: null } }), "not enrolled"],
  [
    "an enrolment signed by someone else than the owner",
    async () => ({ proof: { ...(await annProof()), enrolment: await sign(stranger, enrolment(ann)) } }),
    "not signed by this machine's owner",
  ],
  [
    "an enrolment forged with the owner's key id",
    async () => ({ proof: { ...(await annProof()), enrolment: await sign(stranger, enrolment(ann), owner.keyId) } }),
    "not signed by this machine's owner",
  ],
  [
    "an enrolment for another person",
    async () => ({ proof: { ...(await annProof()), enrolment: await sign(owner, enrolment(ann, { userId: "usr_bob" })) } }),
    "another person",
  ],
  [
    "an enrolment limited to other machines",
    async () => ({ proof: { ...(await annProof()), enrolment: await sign(owner, enrolment(ann, { machines: ["agt_00000000000000000009"] })) } }),
    "may not decide on this machine",
  ],
];

describe("verifyDecision", () => {
  it.each(cases)("%s", async (_name, make, refusal) => {
    const c = await make();
    const v = await verifyDecision({ answer: c.answer ?? ALLOW, proof: c.proof, held: c.held ?? HELD, trust: c.trust ?? TRUST, agentId: AGENT, now: NOW });
    if (refusal === null) expect(v).toMatchObject({ ok: true });
    else expect(v).toMatchObject({ ok: false, reason: expect.stringContaining(refusal) });
  });

  it("ignores a revocation signed by a stranger, and returns the ones it believes so they are kept", async () => {
    const byStranger = await sign(stranger, revocation(ann), owner.keyId);
    expect(
      await verifyDecision({ answer: ALLOW, proof: await annProof({}, { revocations: [byStranger] }), held: HELD, trust: TRUST, agentId: AGENT, now: NOW }),
    ).toEqual({
      ok: true,
      revocations: [],
    });
    const byOwner = await sign(owner, revocation(stranger));
    const v = await verifyDecision({
      answer: ALLOW,
      proof: await annProof({}, { revocations: [byOwner] }),
      held: HELD,
      trust: TRUST,
      agentId: AGENT,
      now: NOW,
    });
    expect(v).toEqual({ ok: true, revocations: [byOwner] });
  });

  it("an enrolment it verified once does not vouch for another statement under the same signature", async () => {
    const good = await sign(owner, enrolment(ann));
    const run = async (e: DecisionProof["enrolment"]) =>
      verifyDecision({ answer: ALLOW, proof: { ...(await annProof()), enrolment: e }, held: HELD, trust: TRUST, agentId: AGENT, now: NOW });
    expect(await run(good)).toMatchObject({ ok: true });
    expect(await run(good)).toMatchObject({ ok: true });
    const widened = { ...good, statement: enrolment(ann, { issuedAt: NOW - 5 }) };
    expect(await run(widened)).toMatchObject({ ok: false, reason: expect.stringContaining("not signed by this machine's owner") });
  });
});
