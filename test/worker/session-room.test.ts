import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Json } from "../../worker/protocol/json";
import type { AgentEnvelope, AgentEvent } from "../../worker/protocol/agent";
import { api, eventually, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

type Frame = Record<string, unknown>;
let n = 0;
const envelope = (event: AgentEvent, id = `ev-${++n}`): AgentEnvelope => ({ id, at: Date.now(), event });
const isEvents = (f: Frame) => f.type === "events";
const eventsOf = (f: Frame) => f.events as { seq: number; type: string; [k: string]: unknown }[];

async function launch(seed: Seed, prompt = "write hello.txt") {
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt, cwd: "/work" } });
  expect(res.status).toBe(201);
  return (await res.json<{ id: string }>()).id;
}

/** An agent socket that has started its run and reported Claude's init. */
async function startedAgent(seed: Seed, id: string, runId: string): Promise<Socket> {
  const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
  agent.send({
    type: "agent-events",
    events: [
      envelope({ type: "run-started", runId }),
      envelope({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-abc" } }),
    ],
  });
  await agent.next((f) => f.type === "ack");
  return agent;
}

// biome-ignore lint/correctness/noUnusedFunctionParameters: callers name the agent for readability; the run id is read from the room
async function runIdOf(seed: Seed, agentId: string): Promise<string> {
  const link = env.AgentLink.getByName(agentId);
  return runInDurableObject(link, async (instance) => {
    const queued = (instance as unknown as { queued(): { runId: string }[] }).queued();
    return queued.at(-1)!.runId;
  });
}

async function askApproval(agent: Socket, requestId = "req-1", input: Record<string, Json> = { file_path: "/work/hello.txt", content: "hi" }) {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId, toolName: "Write", toolUseId: "toolu_1", input })] });
  await agent.next((f) => f.type === "ack");
}

describe("happy", () => {
  it("streams a snapshot, replays history, then live events to a viewer", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const runId = await runIdOf(seed, seed.agentId);
    const viewer = await openSocket(`/api/sessions/${id}/live?after=0`, seed.userToken);
    const snap = await viewer.next((f) => f.type === "snapshot");
    expect(snap).toMatchObject({ session: { id, status: "queued" }, lastSeq: 2 });
    const replay = await viewer.next(isEvents);
    expect(replay.replay).toBe(true);
    expect(eventsOf(replay).map((e) => e.type)).toEqual(["session-created", "status-changed"]);
    await startedAgent(seed, id, runId);
    const live = await viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "status-changed" && e.to === "running"));
    expect(live.replay).toBe(false);
  });

  it("replays only what a reconnecting viewer missed", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    const all = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { seq: number }[]; lastSeq: number }>();
    const viewer = await openSocket(`/api/sessions/${id}/live?after=3`, seed.userToken);
    const replay = await viewer.next(isEvents);
    expect(eventsOf(replay).map((e) => e.seq)).toEqual(all.events.filter((e) => e.seq > 3).map((e) => e.seq));
  });

  it("runs the approval round trip: waiting_for_approval → decided over WebSocket → running, agent gets the answer", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    await askApproval(agent);
    const requested = await viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "approval-requested"));
    const approval = eventsOf(requested).find((e) => e.type === "approval-requested")!.approval as { id: string; inputSha256: string; status: string };
    expect(approval.status).toBe("pending");
    expect(approval.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    const summary = await eventually(async () => {
      const s = await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string; pendingApprovals: number }>();
      return s.status === "waiting_for_approval" ? s : null;
    });
    expect(summary.pendingApprovals).toBe(1);
    // The inbox reads D1's mirror, which follows the room within its coalescing window.
    const inbox = await eventually(async () => {
      const r = await (await api("/api/approvals", seed.userToken)).json<{ approvals: { id: string }[] }>();
      return r.approvals.length ? r : null;
    });
    expect(inbox.approvals.map((a) => a.id)).toEqual([approval.id]);

    viewer.send({
      type: "decide",
      ref: "r1",
      approvalId: approval.id,
      body: { decision: "approve", inputSha256: approval.inputSha256, updatedInput: { file_path: "/work/hello.txt", content: "edited" } },
    });
    expect(await viewer.next((f) => f.type === "ack")).toMatchObject({ ref: "r1" });
    const decision = await agent.next((f) => f.type === "decision");
    expect(decision).toEqual({
      type: "decision",
      requestId: "req-1",
      answer: { behavior: "allow", updatedInput: { file_path: "/work/hello.txt", content: "edited" } },
    });
    await eventually(async () => (await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string }>()).status === "running");
  });

  it("takes a deny over HTTP and answers 409 to a conflicting second decision", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    await askApproval(agent);
    const { approvals } = await eventually(async () => {
      const r = await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: { id: string; inputSha256: string }[] }>();
      return r.approvals.length ? r : null;
    });
    const { id: approvalId, inputSha256 } = approvals[0]!;
    const deny = await api(`/api/approvals/${approvalId}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "deny", comment: "use a temp dir", inputSha256 },
    });
    expect(deny.status).toBe(200);
    expect(await deny.json()).toMatchObject({ status: "denied", comment: "use a temp dir", via: "human", decidedBy: "user@test" });
    expect(await agent.next((f) => f.type === "decision")).toMatchObject({ answer: { behavior: "deny", message: "use a temp dir" } });
    const same = await api(`/api/approvals/${approvalId}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "deny", comment: "again", inputSha256 },
    });
    expect(same.status).toBe(200);
    const conflict = await api(`/api/approvals/${approvalId}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256 } });
    expect(conflict.status).toBe(409);
    expect((await conflict.json<{ error: { code: string } }>()).error.code).toBe("CONFLICT");
  });

  it("refuses a decision on another input (409), a malformed hash (400), a second different edit (409) and a late one (409)", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    await askApproval(agent);
    const listed = await eventually(
      async () => (await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: { id: string }[] }>()).approvals[0],
    );
    const shown = await (await api(`/api/approvals/${listed.id}`, seed.userToken)).json<{ id: string; inputSha256: string; status: string }>();
    expect(shown).toMatchObject({ id: listed.id, status: "pending", inputSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const decide = (approvalId: string, body: Record<string, Json>) =>
      api(`/api/approvals/${approvalId}/decision`, seed.userToken, { method: "POST", json: body });

    const stale = await decide(shown.id, { decision: "approve", inputSha256: "f".repeat(64) });
    expect(stale.status).toBe(409);
    expect((await stale.json<{ error: { code: string; message: string } }>()).error).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/changed since you saw it/),
    });
    expect((await decide(shown.id, { decision: "approve", inputSha256: "not-a-hash" })).status).toBe(400);
    expect((await decide(shown.id, { decision: "approve" })).status).toBe(400);

    const edit = { file_path: "/work/hello.txt", content: "edited" };
    expect((await decide(shown.id, { decision: "approve", inputSha256: shown.inputSha256, updatedInput: edit })).status).toBe(200);
    expect((await decide(shown.id, { decision: "approve", inputSha256: shown.inputSha256, updatedInput: edit })).status).toBe(200);
    const second = await decide(shown.id, { decision: "approve", inputSha256: shown.inputSha256, updatedInput: { ...edit, content: "other" } });
    expect(second.status).toBe(409);
    expect(await agent.next((f) => f.type === "decision")).toMatchObject({ answer: { behavior: "allow", updatedInput: edit } });

    // A second request whose deadline has passed, while its expiry alarm has not fired yet.
    await askApproval(agent, "req-2", { command: "ls" });
    const late = await eventually(
      async () => (await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: { id: string; inputSha256: string }[] }>()).approvals[0],
    );
    const room = env.SessionRoom.getByName(id);
    await runInDurableObject(room, async (_i, state) => {
      state.storage.sql.exec(`UPDATE room_approvals SET body = json_set(body, '$.expiresAt', 1000) WHERE id = ?`, late.id);
    });
    await runInDurableObject(room, (_i, state) => state.abort("reload")).catch(() => undefined);
    const refused = await decide(late.id, { decision: "approve", inputSha256: late.inputSha256 });
    expect(refused.status).toBe(409);
    expect((await refused.json<{ error: { message: string } }>()).error.message).toMatch(/expired at 1970-01-01T00:00:01.000Z/);
    const still = await (await api(`/api/approvals/${late.id}`, seed.userToken)).json<{ status: string }>();
    expect(still.status).toBe("pending");
  });

  it("stores a resent agent event once and acknowledges it again", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    const msg = envelope({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "hello" }] } } }, "dup-1");
    agent.send({ type: "agent-events", events: [msg] });
    await agent.next((f) => f.type === "ack");
    agent.send({ type: "agent-events", events: [msg, msg] });
    expect(await agent.next((f) => f.type === "ack")).toEqual({ type: "ack", ids: ["dup-1", "dup-1"] });
    const { events } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string }[] }>();
    expect(events.filter((e) => e.type === "sdk-message")).toHaveLength(2); // init + one assistant message
    const s = await eventually(async () => {
      const x = await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ messageCount: number }>();
      return x.messageCount === 1 ? x : null;
    });
    expect(s.messageCount).toBe(1);
  });

  it("completes when the run ends and records cost, tokens and the result", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const runId = await runIdOf(seed, seed.agentId);
    const agent = await startedAgent(seed, id, runId);
    agent.send({
      type: "agent-events",
      events: [
        envelope({
          type: "run-ended",
          runId,
          outcome: {
            kind: "success",
            result: "Done.",
            costUsd: 0.25,
            inputTokens: 100,
            outputTokens: 50,
            cacheReadTokens: 0,
            cacheCreationTokens: 0,
            numTurns: 3,
            durationMs: 1200,
            claudeSessionId: "claude-abc",
          },
        }),
      ],
    });
    await agent.next((f) => f.type === "ack");
    const s = await eventually(async () => {
      const x = await (await api(`/api/sessions/${id}`, seed.userToken)).json<Record<string, unknown>>();
      return x.status === "completed" ? x : null;
    });
    expect(s).toMatchObject({ result: "Done.", costUsd: 0.25, inputTokens: 100, outputTokens: 50, numTurns: 3, claudeSessionId: "claude-abc" });
  });
});

describe("decisions right after the request", () => {
  it("decides over HTTP through the session the moment the approval appears on its socket", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    await askApproval(agent);
    const requested = await viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "approval-requested"));
    const { id: approvalId, inputSha256 } = eventsOf(requested).find((e) => e.type === "approval-requested")!.approval as { id: string; inputSha256: string };
    const res = await api(`/api/sessions/${id}/approvals/${approvalId}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", inputSha256 },
    });
    expect(res.status).toBe(200);
    expect(await agent.next((f) => f.type === "decision")).toMatchObject({ answer: { behavior: "allow" } });
  });
});

describe("interrupts, expiry and agent loss", () => {
  it("accepts an interrupt while waiting for approval, cancels the approval and tells the agent", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const runId = await runIdOf(seed, seed.agentId);
    const agent = await startedAgent(seed, id, runId);
    await askApproval(agent);
    await eventually(async () => (await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string }>()).status === "waiting_for_approval");
    const res = await api(`/api/sessions/${id}/interrupt`, seed.userToken, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "interrupting", pendingApprovals: 0 });
    await agent.next((f) => f.type === "interrupt");
    agent.send({
      type: "agent-events",
      events: [
        envelope({
          type: "run-ended",
          runId,
          outcome: { kind: "interrupted", costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 1, durationMs: 1 },
        }),
      ],
    });
    await eventually(async () => (await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string }>()).status === "interrupted");
    const { approvals } = await (await api(`/api/approvals?session=${id}&status=all`, seed.userToken)).json<{ approvals: { status: string }[] }>();
    expect(approvals.map((a) => a.status)).toEqual(["cancelled"]);
    // The end names who interrupted: the state and the stored outcome alike.
    expect(await (await api(`/api/sessions/${id}`, seed.userToken)).json()).toMatchObject({ statusReason: "interrupted by user@test" });
    const { events } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string; outcome?: { error?: string } }[] }>();
    expect(events.find((e) => e.type === "run-ended")?.outcome?.error).toBe("interrupted by user@test");
  });

  it("sends the cancel to the agent when the launch was already handed over, and stores nothing the run says after", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const control = await openSocket("/api/agents/connect", seed.agentToken);
    control.send({ type: "hello", machine: { name: "m", hostname: "host", labels: [], capacity: 1, versions: {} }, running: [] });
    const order = (await control.next((f) => f.type === "launch")).order as { runId: string };
    control.send({ type: "launch-ack", runId: order.runId });
    control.send({ type: "ping" });
    await control.next((f) => f.type === "pong");
    // The agent has the launch; the room still says queued (the launch gap).
    const res = await api(`/api/sessions/${id}/interrupt`, seed.userToken, { method: "POST" });
    expect(await res.json()).toMatchObject({ status: "interrupted" });
    expect(await control.next((f) => f.type === "cancel")).toEqual({ type: "cancel", runId: order.runId });

    // A run that started anyway is told to stop, and nothing it says is appended after the end.
    const before = (await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string }[] }>()).events;
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    const outcome = {
      kind: "success" as const,
      result: "Done.",
      costUsd: 0.5,
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      numTurns: 1,
      durationMs: 1,
    };
    agent.send({
      type: "agent-events",
      events: [
        envelope({ type: "run-started", runId: order.runId }),
        envelope({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-late" } }),
        envelope({ type: "sdk-message", message: { type: "result", subtype: "success", result: "Done.", session_id: "claude-late" } }),
        envelope({ type: "run-ended", runId: order.runId, outcome }),
      ],
    });
    await agent.next((f) => f.type === "interrupt");
    await agent.next((f) => f.type === "ack");
    const after = (await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: { type: string }[] }>()).events;
    expect(after).toEqual(before);
    const s = await (await api(`/api/sessions/${id}`, seed.userToken)).json<Record<string, unknown>>();
    expect(s).toMatchObject({ status: "interrupted", result: null, costUsd: 0 });
  });

  it("shows a run waiting for a free slot on its machine: still queued, with the reason, then starts", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const runId = await runIdOf(seed, seed.agentId);
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    agent.send({ type: "agent-events", events: [envelope({ type: "run-waiting", runId, capacity: 4, position: 2 })] });
    await agent.next((f) => f.type === "ack");
    const waited = (e: { type: string; [k: string]: unknown }) => e.type === "status-changed" && e.from === "queued" && e.to === "queued";
    const waiting = await viewer.next((f) => isEvents(f) && eventsOf(f).some(waited));
    expect(eventsOf(waiting).find(waited)?.reason).toMatch(/all 4 of its slots are busy; 2nd in line/);
    const s = await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string; statusReason: string }>();
    expect(s).toMatchObject({ status: "queued", statusReason: expect.stringMatching(/waiting for a free slot/) });
    agent.send({ type: "agent-events", events: [envelope({ type: "run-started", runId })] });
    await agent.next((f) => f.type === "ack");
    expect((await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string }>()).status).toBe("starting");
  });

  it("expires a pending approval when its deadline passes", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    await askApproval(agent);
    const room = env.SessionRoom.getByName(id);
    // Move the deadline into the past, then fire the alarm as the runtime would.
    await runInDurableObject(room, async (_i, state) => {
      state.storage.sql.exec(`UPDATE room_schedules SET due_at = 0`);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    // Or the room fires it first: its outbox's delivery re-arms the alarm at the earliest due time, now past
    // (under load that delivery lands after the UPDATE). Either way the expiry below must follow.
    await runDurableObjectAlarm(room);
    const decision = await agent.next((f) => f.type === "decision");
    expect(decision).toMatchObject({ answer: { behavior: "deny", message: expect.stringMatching(/Stop here/) } });
    const expired = await eventually(async () => {
      const r = await (await api(`/api/approvals?session=${id}&status=all`, seed.userToken)).json<{ approvals: { status: string; via: string }[] }>();
      return r.approvals[0]?.status === "expired" ? r.approvals[0] : null;
    });
    expect(expired.via).toBe("timeout");
  });

  it("fails a running session with reason 'agent lost' when its agent does not come back", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    await askApproval(agent);
    agent.close();
    const room = env.SessionRoom.getByName(id);
    await eventually(() =>
      runInDurableObject(room, async (_i, state) => state.storage.sql.exec(`SELECT 1 FROM room_schedules WHERE key = 'agent-lost'`).toArray().length > 0),
    );
    await runInDurableObject(room, async (_i, state) => {
      state.storage.sql.exec(`UPDATE room_schedules SET due_at = 0 WHERE key = 'agent-lost'`);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await runDurableObjectAlarm(room);
    const s = await eventually(async () => {
      const x = await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string; statusReason: string; pendingApprovals: number }>();
      return x.status === "failed" ? x : null;
    });
    expect(s.statusReason).toMatch(/agent lost/);
    expect(s.pendingApprovals).toBe(0);
  });

  it("keeps the agent-lost deadline when an evicted room is woken by its own alarm", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const agent = await startedAgent(seed, id, await runIdOf(seed, seed.agentId));
    agent.close();
    const room = env.SessionRoom.getByName(id);
    await eventually(() =>
      runInDurableObject(room, async (_i, state) => state.storage.sql.exec(`SELECT 1 FROM room_schedules WHERE key = 'agent-lost'`).toArray().length > 0),
    );
    // The deadline has passed; then the runtime evicts the object, so the alarm wakes a new instance.
    const deadline = Date.now() - 1_000;
    await runInDurableObject(room, async (_i, state) => {
      state.storage.sql.exec(`UPDATE room_schedules SET due_at = ? WHERE key = 'agent-lost'`, deadline);
      // The alarm itself a minute out, so the runtime does not fire it before the test does (on the fresh instance).
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await runInDurableObject(room, (_i, state) => state.abort("evicted")).catch(() => undefined);
    const fresh = env.SessionRoom.getByName(id);
    expect(await runDurableObjectAlarm(fresh)).toBe(true);
    const s = await eventually(async () => {
      const x = await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string; statusReason: string }>();
      return x.status === "failed" ? x : null;
    });
    expect(s.statusReason).toMatch(/agent lost/);
  });
});

describe("errors", () => {
  it("answers a malformed viewer frame with an error frame and stores nothing", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    viewer.send("not json");
    expect(await viewer.next((f) => f.type === "error")).toMatchObject({ error: { code: "BAD_REQUEST" } });
    viewer.send({ type: "decide", approvalId: "apr_xxxxxxxxxxxxxxxxxxxx", body: { decision: "deny", inputSha256: "0".repeat(64) } });
    const err = await viewer.next((f) => f.type === "error");
    expect(JSON.stringify(err)).toMatch(/comment/);
    const { events } = await (await api(`/api/sessions/${id}/events`, seed.userToken)).json<{ events: unknown[] }>();
    expect(events).toHaveLength(2);
  });

  it("closes a socket that keeps sending garbage with 1008", async () => {
    const seed = await seedWorkspace();
    const id = await launch(seed);
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    const closed = new Promise<number>((resolve) => viewer.ws.addEventListener("close", (e) => resolve(e.code)));
    for (let i = 0; i < 5; i++) viewer.send("garbage");
    expect(await closed).toBe(1008);
  });

  it("refuses the agent socket to a user token and to another machine's token", async () => {
    const seed = await seedWorkspace();
    const other = await seedWorkspace("other");
    const id = await launch(seed);
    expect((await api(`/api/sessions/${id}/agent`, seed.userToken, { headers: { upgrade: "websocket" } })).status).toBe(403);
    expect((await api(`/api/sessions/${id}/agent`, other.agentToken, { headers: { upgrade: "websocket" } })).status).toBe(404);
  });

  it("refuses a decision body without a comment on deny", async () => {
    const seed = await seedWorkspace();
    const res = await api(`/api/approvals/apr_xxxxxxxxxxxxxxxxxxxx/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "deny", inputSha256: "0".repeat(64) },
    });
    expect(res.status).toBe(400);
  });
});
