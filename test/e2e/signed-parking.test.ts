/**
 * A parked call on a machine that requires signed decisions (issue 14 §2 with issue 13's parking), with the real
 * agent and the real Claude Code binary on the fake Messages API. The owner approves the parked call with a
 * signed statement that is valid when Tower checks it but has expired by the time the machine is back: the
 * machine refuses it, resumes the call with a deny so nothing runs, and Tower records the approval as denied
 * by the machine, with why, instead of showing it approved.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DecisionStatement, fromBase64Url, statementBytes, toBase64Url } from "../../worker/protocol/signed-decision";
import { startTower, waitUntil, type Tower } from "./harness";
import { parkedByStoppedAgent } from "./parked";

let t: Tower;
let owner: { keyId: DecisionStatement["keyId"]; publicKey: string; secretKey: string; userId: string; workspaceId: string };

beforeAll(async () => {
  t = await startTower();
  const configDir = join(t.workDir, "..", "owner-config");
  const added = await t.cli(["keys", "add", "--label", "owner laptop"], { env: { TOWER_CONFIG: join(configDir, "config.json") } });
  expect(added.code, added.stderr).toBe(0);
  owner = JSON.parse(readFileSync(join(configDir, "device-key.json"), "utf8"));
  await t.startAgent({ args: ["--owner-key", owner.publicKey] });
  const agent = (await t.client.listAgents()).agents.find((a) => a.name === t.agentName)!;
  await t.client.setMachinePolicy(agent.id, { requireSignedDecisions: true });
});
afterAll(async () => {
  await t?.close();
});

describe("a parked call on a machine that requires signed decisions", () => {
  it("a decision the machine refuses when it resumes runs nothing, and Tower shows the approval denied by the machine", async () => {
    const { cwd, sessionId, approvals } = await parkedByStoppedAgent(t, "signed-parked");
    const approval = approvals[0]!;

    // Valid for 2 s: Tower accepts it now; the machine, offline until it has expired, must refuse it.
    const statement: DecisionStatement = {
      type: "tower.decision/v1",
      workspaceId: owner.workspaceId,
      sessionId,
      approvalId: approval.id,
      toolUseId: approval.toolUseId,
      inputSha256: approval.inputSha256,
      decision: "approve",
      updatedInputSha256: null,
      approver: owner.userId,
      keyId: owner.keyId,
      expiresAt: Date.now() + 2_000,
    };
    const sig = toBase64Url(await ed.signAsync(statementBytes(statement), fromBase64Url(owner.secretKey)));
    const signed = { statement, signature: { alg: "ed25519" as const, keyId: owner.keyId, sig } };
    expect(await t.client.decide(approval.id, { decision: "approve", inputSha256: approval.inputSha256, signed })).toMatchObject({ status: "approved" });
    await new Promise((r) => setTimeout(r, 2_500));

    await t.startAgent({ args: ["--owner-key", owner.publicKey] });
    await waitUntil(
      async () => (await t.client.approval(approval.id))?.status === "denied",
      60_000,
      () => `the approval was not recorded as refused:\n${t.logs()}`,
    );
    const after = await t.client.approval(approval.id);
    expect(after).toMatchObject({ status: "denied", via: "system", decidedBy: t.agentName });
    expect(after?.comment).toContain("expired");
    await waitUntil(
      async () => ["completed", "failed", "waiting_for_input"].includes((await t.client.getSession(sessionId)).status),
      60_000,
      () => `the resumed run did not end:\n${t.logs()}`,
    );
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);
  });
});
