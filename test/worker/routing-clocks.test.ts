import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import { api, envelope, eventually, memberWith, openSocket, type Seed, seedWorkspace, type Socket, startedSession } from "./helpers";

async function routedCall(seed: Seed, agent: Socket, sessionId: string, command: string): Promise<Approval> {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: `req-${command}`, toolName: "Bash", input: { command } })] });
  return eventually(async () => {
    const list = await (await api(`/api/approvals?session=${sessionId}`, seed.userToken)).json<{ approvals: Approval[] }>();
    return list.approvals.find((a) => a.input.command === command && a.routing) ?? null;
  }, 10_000);
}

const inbox = async (token: string) => (await (await api("/api/approvals", token)).json<{ approvals: Approval[] }>()).approvals;
const putGroup = (token: string, name: string, json: unknown) => api(`/api/approver-groups/${name}`, token, { method: "PUT", json });
const approve = (token: string, a: Approval) =>
  api(`/api/approvals/${a.id}/decision`, token, { method: "POST", json: { decision: "approve", inputSha256: a.inputSha256 } });

/** Fires the room's alarm for the timer under `key` as the runtime would once it is due. */
async function fireTimer(sessionId: string, key: string): Promise<void> {
  const room = env.SessionRoom.getByName(sessionId);
  await runInDurableObject(room, async (_i, state) => {
    state.storage.sql.exec(`UPDATE room_schedules SET due_at = 0 WHERE key = ?`, key);
    await state.storage.setAlarm(Date.now() + 60_000);
  });
  expect(await runDurableObjectAlarm(room)).toBe(true);
}

async function schedule(sessionId: string, key: string): Promise<{ due: number; alarm: number | null } | null> {
  return runInDurableObject(env.SessionRoom.getByName(sessionId), async (_i, state) => {
    const row = state.storage.sql.exec<{ due_at: number }>(`SELECT due_at FROM room_schedules WHERE key = ?`, key).toArray()[0];
    return row ? { due: row.due_at, alarm: await state.storage.getAlarm() } : null;
  });
}

describe("escalation", () => {
  it("after its configured time a routed call goes also to the escalation's group: an event, an audit entry, and at once in their inbox (HTTP and hub) with the session's title; the first approvers keep the right", async () => {
    const seed = await seedWorkspace("escalate");
    const ann = await memberWith(seed, "member", "ann");
    const lee = await memberWith(seed, "member", "lee");
    expect((await putGroup(seed.userToken, "sre", { members: [ann.userId] })).status).toBe(200);
    expect((await putGroup(seed.userToken, "leads", { members: [lee.userId] })).status).toBe(200);
    const rules = `rules:
  - id: deploys
    decision: ask
    tool: Bash
    command: deploy *
    decide_by: group:sre
    escalate: { after: 2s, to: leads }
`;
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: rules } })).status).toBe(200);
    const { id, agent } = await startedSession(seed, { title: "release train" });
    const hub = await openSocket("/api/workspace/live", lee.token);
    await hub.next((f) => f.type === "hello");

    const call = await routedCall(seed, agent, id, "deploy web");
    expect(call.routing?.escalation).toMatchObject({ to: "group:leads", afterMs: 2_000, escalatedAt: null, eligible: [lee.userId] });
    // The routed approver has no share of the session, yet the call is in their inbox, titled, and only the call.
    expect((await inbox(ann.token)).map((a) => [a.id, a.sessionTitle])).toEqual([[call.id, "release train"]]);
    expect((await api(`/api/approvals/${call.id}`, ann.token)).status).toBe(200);
    expect((await api(`/api/sessions/${id}`, ann.token)).status).toBe(404);
    expect(await inbox(lee.token)).toEqual([]);
    // Not named yet: to Lee the call does not exist. The owner, who sees the session, is told who may decide.
    expect((await approve(lee.token, call)).status).toBe(404);
    const early = await approve(seed.userToken, call);
    expect(early.status).toBe(403);
    expect((await early.json<{ error: { message: string } }>()).error.message).toMatch(
      /only group sre \(ann-[^)]*\) \(and group leads \(lee-[^)]*\) once it has waited 2s\) may decide this call/,
    );

    // The escalation is a room timer at the configured time, under the room's one alarm.
    const s = await schedule(id, `escalate:${call.id}`);
    expect(s?.due).toBe(call.createdAt + 2_000);
    expect(s?.alarm).not.toBeNull();
    expect(s!.alarm!).toBeLessThanOrEqual(s!.due);

    await fireTimer(id, `escalate:${call.id}`);
    const frame = await hub.next((f) => f.type === "approval-upsert" && (f.approval as Approval).id === call.id, 5_000);
    expect((frame.approval as Approval).routing?.escalation?.escalatedAt).toEqual(expect.any(Number));
    expect((frame.approval as Approval).sessionTitle).toBe("release train");
    expect((await inbox(lee.token)).map((a) => a.id)).toEqual([call.id]);
    const events = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string; to?: string }[] }>();
    expect(events.events.filter((e) => e.type === "approval-escalated")).toMatchObject([{ to: "group:leads" }]);
    const audit = await eventually(async () => {
      const r = await (await api("/api/audit?action=approval.escalated", seed.userToken)).json<{ entries: { target: string; via: string }[] }>();
      return r.entries.find((e) => e.target === call.id) ?? null;
    });
    expect(audit.via).toBe("rule");

    // Ann (first routed) still may decide; so may Lee now. Lee decides, on the session-scoped route the web uses.
    const bySession = (token: string) =>
      api(`/api/sessions/${id}/approvals/${call.id}/decision`, token, { method: "POST", json: { decision: "approve", inputSha256: call.inputSha256 } });
    expect((await bySession((await memberWith(seed, "member", "zed")).token)).status).toBe(404);
    expect((await bySession(lee.token)).status).toBe(200);
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-deploy web")).toMatchObject({ answer: { behavior: "allow" } });
    expect(await inbox(ann.token)).toEqual([]);
    hub.close();
    agent.close();
  });

  it("a stored routing record that is not JSON of its shape lists nothing and fails nothing", async () => {
    const seed = await seedWorkspace("escalate-stored");
    const ann = await memberWith(seed, "member", "ann");
    const { id, agent } = await startedSession(seed, { title: "release train" });
    agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: "req-x", toolName: "Bash", input: { command: "ls" } })] });
    const approval = await eventually(async () => (await inbox(seed.userToken)).find((a) => a.sessionId === id) ?? null);
    for (const stored of [
      JSON.stringify({ eligible: ann.userId }),
      "{not json",
      JSON.stringify({ escalation: { eligible: [ann.userId], escalatedAt: "x" } }),
    ]) {
      await env.DB.prepare("UPDATE approvals SET routing = ? WHERE id = ?").bind(stored, approval.id).run();
      const res = await api("/api/approvals", ann.token);
      expect(res.status).toBe(200);
      expect((await res.json<{ approvals: Approval[] }>()).approvals).toEqual([]);
      // The owner still sees the call; the record that does not read is not handed on as routing.
      const own = await api("/api/approvals", seed.userToken);
      expect(own.status).toBe(200);
      const listed = (await own.json<{ approvals: Approval[] }>()).approvals.find((a) => a.id === approval.id);
      expect(listed).toMatchObject({ id: approval.id, status: "pending" });
      expect(listed?.routing ?? null).toBeNull();
    }
    agent.close();
  });
});

describe("deadline", () => {
  it("denies the call when its configured deadline passes, with the rule's message for Claude, an event and an audit entry via deadline", async () => {
    const seed = await seedWorkspace("deadline");
    const rules = `rules:
  - id: slow
    decision: ask
    tool: Bash
    deadline: 2s
    deadline_message: Nobody answered in time; leave the deploy for tomorrow.
`;
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: rules } })).status).toBe(200);
    const { id, agent } = await startedSession(seed, { title: "release train" });
    const call = await routedCall(seed, agent, id, "deploy db");
    expect(call.routing?.deadline).toEqual({ afterMs: 2_000, message: "Nobody answered in time; leave the deploy for tomorrow." });
    expect((await schedule(id, `deadline:${call.id}`))?.due).toBe(call.createdAt + 2_000);

    await fireTimer(id, `deadline:${call.id}`);
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-deploy db")).toMatchObject({
      answer: { behavior: "deny", message: "Nobody answered in time; leave the deploy for tomorrow." },
    });
    const denied = await eventually(async () => {
      const r = await (await api(`/api/approvals?session=${id}&status=all`, seed.userToken)).json<{ approvals: Approval[] }>();
      return r.approvals.find((a) => a.id === call.id && a.status === "denied") ?? null;
    });
    expect(denied).toMatchObject({ via: "deadline", decidedBy: "rule slow (v1)" });
    const audit = await eventually(async () => {
      const r = await (await api("/api/audit?action=approval.denied", seed.userToken)).json<{ entries: { target: string; via: string }[] }>();
      return r.entries.find((e) => e.target === call.id) ?? null;
    });
    expect(audit.via).toBe("deadline");
    const late = await approve(seed.userToken, call);
    expect(late.status).toBe(409);
    agent.close();
  });
});
