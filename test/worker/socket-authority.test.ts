/**
 * Authority on open sockets follows the current shares, roles and token state, not what held when
 * the socket connected; and a pipeline run shows a step's result only to who may read its session.
 */
import { describe, expect, it } from "vitest";
import type { RunView } from "../../worker/protocol/pipelines";
import { ACCESS_REVOKED_CLOSE, TOKEN_REVOKED_CLOSE } from "../../worker/protocol/frames";
import { api, eventually, memberWith, openSocket, seedWorkspace, tokenFor, type Seed, type Socket } from "./helpers";

const DECIDE = { type: "decide", ref: "d", approvalId: "apr_00000000000000000000", body: { decision: "approve", inputSha256: "0".repeat(64) } };

/** A member's private session, shared with a collaborator who has it open. */
async function sharedSession(expiresAt?: number) {
  const seed = await seedWorkspace("authority");
  const author = await memberWith(seed, "member", "author");
  const collaborator = await memberWith(seed, "member", "collaborator");
  const { id } = await (await api("/api/sessions", author.token, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
  const shared = await api(`/api/sessions/${id}/shares`, author.token, {
    method: "PUT",
    json: { principal: `user:${collaborator.userId}`, role: "collaborator" },
  });
  expect(shared.status).toBe(200);
  const token = expiresAt ? await tokenFor(seed.workspaceId, collaborator.userId, "collaborator@test", { expiresAt }) : collaborator.token;
  const sock = await openSocket(`/api/sessions/${id}/live`, token);
  await sock.next((f) => f.type === "snapshot");
  // While the share holds, a decision reaches the room (which knows no such approval).
  sock.send({ ...DECIDE, ref: "before" });
  expect(await sock.next((f) => f.ref === "before")).toMatchObject({ type: "error", error: { code: "NOT_FOUND" } });
  return { seed, author, collaborator, id, sock };
}

async function expectRefused(sock: Socket, code: string): Promise<void> {
  sock.send(DECIDE);
  expect(await sock.next((f) => f.ref === "d")).toMatchObject({ type: "error", error: { code } });
  sock.send({ type: "interrupt", ref: "i" });
  expect(await sock.next((f) => f.ref === "i")).toMatchObject({ type: "error", error: { code } });
}

describe("security: session sockets follow current authority", () => {
  it("refuses decide and interrupt once the collaborator's share becomes a viewer's", async () => {
    const { author, collaborator, id, sock } = await sharedSession();
    await api(`/api/sessions/${id}/shares`, author.token, { method: "PUT", json: { principal: `user:${collaborator.userId}`, role: "viewer" } });
    await expectRefused(sock, "FORBIDDEN");
  });

  it("closes the socket of a collaborator whose share is removed", async () => {
    const { author, collaborator, id, sock } = await sharedSession();
    expect((await api(`/api/sessions/${id}/shares/user:${collaborator.userId}`, author.token, { method: "DELETE" })).status).toBe(200);
    expect((await sock.closed).code).toBe(ACCESS_REVOKED_CLOSE);
  });

  it("refuses decide and interrupt once the collaborator is made a workspace viewer", async () => {
    const { seed, collaborator, sock } = await sharedSession();
    expect((await api(`/api/members/${collaborator.userId}`, seed.userToken, { method: "PATCH", json: { role: "viewer" } })).status).toBe(200);
    await expectRefused(sock, "FORBIDDEN");
  });

  it("refuses and closes once the socket's token has expired", async () => {
    const { sock } = await sharedSession(Date.now() + 1500);
    await new Promise((r) => setTimeout(r, 1600));
    sock.send({ type: "interrupt", ref: "i" });
    expect(await sock.next((f) => f.ref === "i")).toMatchObject({ type: "error", error: { code: "UNAUTHORIZED" } });
    expect((await sock.closed).code).toBe(TOKEN_REVOKED_CLOSE);
  });
});

describe("security: the workspace socket follows current authority", () => {
  it("tells a session viewer whose share is removed that the session is gone, and sends it nothing more", async () => {
    const seed = await seedWorkspace("hub-authority");
    const reader = await memberWith(seed, "member", "reader");
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
    await api(`/api/sessions/${id}/shares`, seed.userToken, { method: "PUT", json: { principal: `user:${reader.userId}`, role: "viewer" } });
    const hub = await openSocket("/api/workspace/live", reader.token);
    await hub.next((f) => f.type === "hello");
    await api(`/api/sessions/${id}`, seed.userToken, { method: "PATCH", json: { title: "still shared" } });
    await hub.next((f) => f.type === "session-upsert" && (f.session as { title: string }).title === "still shared");
    await api(`/api/sessions/${id}/shares/user:${reader.userId}`, seed.userToken, { method: "DELETE" });
    expect(await hub.next((f) => f.type === "session-removed")).toMatchObject({ sessionId: id });
    await api(`/api/sessions/${id}`, seed.userToken, { method: "PATCH", json: { title: "private again" } });
    const owner = await openSocket("/api/workspace/live", seed.userToken);
    await owner.next((f) => f.type === "hello");
    await api(`/api/sessions/${id}`, seed.userToken, { method: "PATCH", json: { title: "barrier" } });
    await owner.next((f) => f.type === "session-upsert" && (f.session as { title: string }).title === "barrier");
    expect(hub.frames.filter((f) => f.type === "session-upsert" && (f.session as { title: string }).title !== "still shared")).toEqual([]);
  });

  it("stops sending private sessions to an admin made a member", async () => {
    const seed = await seedWorkspace("hub-demote");
    const admin = await memberWith(seed, "admin");
    const hub = await openSocket("/api/workspace/live", admin.token);
    await hub.next((f) => f.type === "hello");
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
    await hub.next((f) => f.type === "session-upsert" && (f.session as { id: string }).id === id);
    expect((await api(`/api/members/${admin.userId}`, seed.userToken, { method: "PATCH", json: { role: "member" } })).status).toBe(200);
    const owner = await openSocket("/api/workspace/live", seed.userToken);
    await owner.next((f) => f.type === "hello");
    await api(`/api/sessions/${id}`, seed.userToken, { method: "PATCH", json: { title: "after demotion" } });
    await owner.next((f) => f.type === "session-upsert" && (f.session as { title: string }).title === "after demotion");
    await hub.next((f) => f.type === "session-removed");
    expect(hub.frames.some((f) => f.type === "session-upsert" && (f.session as { title: string }).title === "after demotion")).toBe(false);
  });
});

/** Starts a one-step run as the workspace owner and plays its session to the end with a result. */
async function finishedRun(seed: Seed): Promise<{ runId: string; sessionId: string }> {
  const link = await openSocket("/api/agents/connect", seed.agentToken);
  link.send({ type: "hello", machine: { name: "m", hostname: "h", capacity: 4 }, running: [] });
  const started = await api("/api/pipelines/runs", seed.userToken, {
    method: "POST",
    json: { pipeline: { name: "private", steps: { a: { prompt: "step", cwd: "/tmp" } } } },
  });
  const runId = (await started.json<RunView>()).id;
  const order = (await link.next((f) => f.type === "launch", 15_000)).order as { sessionId: string; runId: string };
  link.send({ type: "launch-ack", runId: order.runId });
  const agent = await openSocket(`/api/sessions/${order.sessionId}/agent`, seed.agentToken);
  const outcome = {
    kind: "success",
    result: "secret result",
    costUsd: 0.01,
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    numTurns: 1,
    durationMs: 5,
  };
  agent.send({
    type: "agent-events",
    events: [
      { id: crypto.randomUUID(), at: Date.now(), event: { type: "run-started", runId: order.runId } },
      { id: crypto.randomUUID(), at: Date.now(), event: { type: "run-ended", runId: order.runId, outcome } },
    ],
  });
  await agent.next((f) => f.type === "ack");
  agent.close();
  await eventually(async () => (await (await api(`/api/pipelines/runs/${runId}`, seed.userToken)).json<RunView>()).status === "succeeded", 15_000);
  link.close();
  return { runId, sessionId: order.sessionId };
}

describe("security: pipeline runs", () => {
  it("hides a step's session result from a caller who may not read that session", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("runs");
    const viewer = await memberWith(seed, "viewer");
    const admin = await memberWith(seed, "admin");
    const { runId, sessionId } = await finishedRun(seed);
    const stepResult = async (token: string) => (await (await api(`/api/pipelines/runs/${runId}`, token)).json<RunView>()).steps[0]?.result;
    const listed = async (token: string) =>
      (await (await api("/api/pipelines/runs", token)).json<{ runs: RunView[] }>()).runs.find((r) => r.id === runId)?.steps[0]?.result;
    expect(await stepResult(seed.userToken)).toBe("secret result");
    expect(await stepResult(admin.token)).toBe("secret result");
    expect(await stepResult(viewer.token)).toBeNull();
    expect(await listed(viewer.token)).toBeNull();
    // The same rule as the session itself: shared with the workspace, the viewer may read it.
    await api(`/api/sessions/${sessionId}/shares`, seed.userToken, { method: "PUT", json: { principal: "workspace", role: "viewer" } });
    expect(await stepResult(viewer.token)).toBe("secret result");
  });
});
