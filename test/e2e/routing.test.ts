/**
 * Approver routing with the real Claude Code binary (against the fake Messages API): a quorum of two
 * distinct approvers (one is not enough, the second runs the call) and an escalation after a short
 * configured time, which reaches the escalated approver's inbox through the room's own alarm.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "../../worker/client";
import type { Approval } from "../../worker/protocol/approval";
import { startTower, waitForStatus, waitUntil, type Tower } from "./harness";

let t: Tower;
type Member = { userId: string; token: string; client: ApiClient };
let ann: Member;
let bob: Member;

async function member(name: string): Promise<Member> {
  const { code } = await t.client.createInvitation({ role: "member", email: `${name}@routing.test` });
  const { token, userId } = await createApiClient({ baseUrl: t.url }).acceptInvitation({ code, name, email: `${name}@routing.test` });
  return { userId, token, client: createApiClient({ baseUrl: t.url, token }) };
}

async function putGroup(name: string, members: string[]): Promise<void> {
  const res = await fetch(`${t.url}/api/approver-groups/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${t.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ members }),
  });
  expect(res.status).toBe(200);
}

/** The session's one waiting call, once a rule has routed it. */
async function routedCall(sessionId: Approval["sessionId"]): Promise<Approval> {
  let found: Approval | undefined;
  await waitUntil(
    async () => {
      found = (await t.client.listApprovals({ session: sessionId })).approvals.find((a) => a.routing);
      return !!found;
    },
    60_000,
    () => `no routed approval for ${sessionId}\n${t.logs()}`,
  );
  return found!;
}

const approve = (who: Member, a: Approval) => who.client.decide(a.id, { decision: "approve", inputSha256: a.inputSha256 }, a.sessionId);

beforeAll(async () => {
  t = await startTower();
  await t.startAgent();
  ann = await member("ann");
  bob = await member("bob");
});
afterAll(async () => {
  await t?.close();
});

describe("routing with the real Claude Code", () => {
  it("a quorum of two: one approval is not enough, the second distinct approver runs the call", async () => {
    await putGroup("sre", [ann.userId, bob.userId]);
    await t.client.putRules("rules:\n  - id: writes\n    decision: ask\n    tool: Write\n    decide_by: group:sre\n    quorum: 2\n");
    const cwd = join(t.workDir, "quorum");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "please write hello.txt", cwd });
    const call = await routedCall(s.id);
    expect(call.routing).toMatchObject({ quorum: 2, approvals: [] });

    expect(await approve(ann, call)).toMatchObject({ status: "pending", routing: { approvals: [{ userId: ann.userId }] } });
    // One approval of two: the call still waits, and nothing ran.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await t.client.getSession(s.id)).status).toBe("waiting_for_approval");
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    expect(await approve(bob, call)).toMatchObject({ status: "approved", via: "human" });
    await waitForStatus(t, s.id, "completed");
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
  });

  it("escalation after a short configured time: the call reaches the escalated approver's inbox, who approves it and it runs", async () => {
    await putGroup("first", [ann.userId]);
    await putGroup("leads", [bob.userId]);
    await t.client.putRules("rules:\n  - id: writes\n    decision: ask\n    tool: Write\n    decide_by: group:first\n    escalate: { after: 2s, to: leads }\n");
    const cwd = join(t.workDir, "escalate");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "please write hello.txt", cwd });
    const call = await routedCall(s.id);
    expect((await bob.client.listApprovals()).approvals.map((a) => a.id)).not.toContain(call.id);
    const asked = Date.now();

    let escalated: Approval | undefined;
    await waitUntil(
      async () => {
        escalated = (await bob.client.listApprovals()).approvals.find((a) => a.id === call.id);
        return !!escalated;
      },
      30_000,
      () => `never escalated\n${t.logs()}`,
    );
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1_000);
    expect(escalated?.routing?.escalation?.escalatedAt).toEqual(expect.any(Number));
    expect(existsSync(join(cwd, "hello.txt"))).toBe(false);

    expect(await approve(bob, escalated!)).toMatchObject({ status: "approved" });
    await waitForStatus(t, s.id, "completed");
    expect(readFileSync(join(cwd, "hello.txt"), "utf8")).toBe("hello\n");
    const { events } = await t.client.events(s.id);
    expect(events.filter((e) => e.type === "approval-escalated")).toHaveLength(1);
  });
});
