import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import type { ApproverGroup } from "../../worker/protocol/approver-groups";
import { api, envelope, eventually, memberWith, openSocket, type Seed, seedWorkspace, type Socket, startedSession } from "./helpers";

/** Asks for a Bash call and waits until a rule has routed it (the approval names who may decide). */
async function routedCall(seed: Seed, agent: Socket, sessionId: string, command: string): Promise<Approval> {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: `req-${command}`, toolName: "Bash", input: { command } })] });
  return eventually(async () => {
    const list = await (await api(`/api/approvals?session=${sessionId}`, seed.userToken)).json<{ approvals: Approval[] }>();
    return list.approvals.find((a) => a.input.command === command && a.routing) ?? null;
  }, 10_000);
}

const decide = (token: string, a: Approval, decision: "approve" | "deny") =>
  api(`/api/approvals/${a.id}/decision`, token, {
    method: "POST",
    json: decision === "approve" ? { decision, inputSha256: a.inputSha256 } : { decision, comment: "no", inputSha256: a.inputSha256 },
  });

const putGroup = (token: string, name: string, json: unknown) => api(`/api/approver-groups/${name}`, token, { method: "PUT", json });

describe("approver groups", () => {
  it("owners and admins write, members read, viewers cannot; each write is audited; unknown members are refused", async () => {
    const seed = await seedWorkspace("groups");
    const admin = await memberWith(seed, "admin");
    const member = await memberWith(seed, "member");
    const viewer = await memberWith(seed, "viewer");
    const put = await putGroup(seed.userToken, "sre", { members: [member.userId], roles: ["admin"] });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ name: "sre", members: [member.userId], roles: ["admin"] });
    expect((await putGroup(admin.token, "sre", { members: [member.userId, admin.userId] })).status).toBe(200);
    expect((await putGroup(member.token, "sre", { roles: ["member"] })).status).toBe(403);
    expect((await putGroup(seed.userToken, "bad", { members: ["usr_nobody"] })).status).toBe(400);
    expect((await putGroup(seed.userToken, "empty", {})).status).toBe(400);
    expect((await putGroup(seed.userToken, "Not A Name", { roles: ["admin"] })).status).toBe(400);
    const list = await (await api("/api/approver-groups", member.token)).json<{ groups: ApproverGroup[] }>();
    expect(list.groups.map((g) => [g.name, g.members.length, g.roles])).toEqual([["sre", 2, []]]);
    expect((await api("/api/approver-groups", viewer.token)).status).toBe(403);
    expect((await api("/api/approver-groups/sre", member.token, { method: "DELETE" })).status).toBe(403);
    expect(await (await api("/api/approver-groups/sre", admin.token, { method: "DELETE" })).json()).toEqual({ deleted: true });
    expect(await (await api("/api/approver-groups/sre", admin.token, { method: "DELETE" })).json()).toEqual({ deleted: false });
    const audit = await (await api("/api/audit", seed.userToken)).json<{ entries: { action: string; target: string }[] }>();
    expect(audit.entries.filter((e) => e.action.startsWith("approver-group.")).map((e) => e.action)).toEqual([
      "approver-group.put",
      "approver-group.put",
      "approver-group.delete",
    ]);
  });
});

describe("routed calls", () => {
  it("a call routed to a group is refused for a non-member (saying who may decide) and decided by a member; a quorum of two needs two distinct approvers, not the launcher", async () => {
    const seed = await seedWorkspace("routing");
    const ann = await memberWith(seed, "member", "ann");
    const bob = await memberWith(seed, "member", "bob");
    const carol = await memberWith(seed, "admin", "carol");
    expect((await putGroup(seed.userToken, "sre", { members: [ann.userId, bob.userId, seed.userId] })).status).toBe(200);
    const rules = `rules:
  - id: deploys
    decision: ask
    tool: Bash
    command: deploy *
    decide_by: group:sre
  - id: prod
    decision: ask
    tool: Bash
    command: release *
    decide_by: group:sre
    quorum: 2
`;
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: rules } })).status).toBe(200);
    const { id, agent } = await startedSession(seed);

    const one = await routedCall(seed, agent, id, "deploy web");
    expect(one.routing).toMatchObject({ decideBy: "group:sre", quorum: 1, rule: "rule deploys (v1)" });
    expect([...(one.routing!.eligible ?? [])].sort()).toEqual([ann.userId, bob.userId, seed.userId].sort());
    // An admin who may act on every session is still not in the group.
    const refused = await decide(carol.token, one, "approve");
    expect(refused.status).toBe(403);
    const body = await refused.json<{ error: { message: string } }>();
    expect(body.error.message).toContain("only group sre (");
    expect(body.error.message).toContain("routed by rule deploys (v1)");
    // The same refusal on the socket.
    const live = await openSocket(`/api/sessions/${id}/live`, carol.token);
    await live.next((f) => f.type === "snapshot");
    live.send({ type: "decide", ref: "d1", approvalId: one.id, body: { decision: "approve", inputSha256: one.inputSha256 } });
    const frame = await live.next((f) => f.type === "error" && f.ref === "d1");
    expect(JSON.stringify(frame)).toContain("only group sre (");
    live.close();
    expect((await decide(ann.token, one, "approve")).status).toBe(200);
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-deploy web")).toMatchObject({ answer: { behavior: "allow" } });

    const two = await routedCall(seed, agent, id, "release v2");
    expect(two.routing).toMatchObject({ quorum: 2, approvals: [] });
    expect((await decide(seed.userToken, two, "approve")).status).toBe(403); // the launcher does not count
    const partial = await decide(ann.token, two, "approve");
    expect(partial.status).toBe(200);
    expect(await partial.json()).toMatchObject({ status: "pending", routing: { approvals: [{ userId: ann.userId }] } });
    expect((await decide(ann.token, two, "approve")).status).toBe(409);
    const done = await decide(bob.token, two, "approve");
    expect(await done.json()).toMatchObject({ status: "approved" });
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-release v2")).toMatchObject({ answer: { behavior: "allow" } });
    const audit = await eventually(async () => {
      const r = await (await api("/api/audit?action=approval.partial", seed.userToken)).json<{ entries: { action: string; target: string }[] }>();
      return r.entries.find((e) => e.action === "approval.partial" && e.target === two.id) ?? null;
    });
    expect(audit).toBeTruthy();
    agent.close();
  });
});

describe("a stored routing record", () => {
  it("grants nothing when it does not match its schema: the decision route answers 404 to a member it seems to name", async () => {
    const seed = await seedWorkspace("routing-stored");
    const ann = await memberWith(seed, "member", "ann");
    const { id, agent } = await startedSession(seed);
    agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: "req-x", toolName: "Bash", input: { command: "ls" } })] });
    const approval = await eventually(async () => {
      const list = await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: Approval[] }>();
      return list.approvals[0] ?? null;
    });
    const body = { decision: "approve", inputSha256: approval.inputSha256 };
    for (const stored of [JSON.stringify({ eligible: ann.userId }), "{not json"]) {
      await env.DB.prepare("UPDATE approvals SET routing = ? WHERE id = ?").bind(stored, approval.id).run();
      const res = await api(`/api/approvals/${approval.id}/decision`, ann.token, { method: "POST", json: body });
      expect(res.status).toBe(404);
    }
    agent.close();
  });
});
