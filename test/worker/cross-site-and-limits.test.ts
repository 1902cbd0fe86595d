import { describe, expect, it } from "vitest";
import { browserFetch, CLIENT_ADDRESS } from "./browser";
import { api, eventually, freshRateWindow, openSocket, seedWorkspace, tokenFor } from "./helpers";

describe("security: cross-site requests", () => {
  it("refuses a change or a socket from another site's page, and accepts Tower's own and Origin-less clients", async () => {
    const s = await seedWorkspace();
    const body = { prompt: "p", cwd: "/tmp" };
    const evil = await api("/api/sessions", s.userToken, { method: "POST", json: body, headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect((await evil.json<{ error: { code: string } }>()).error.code).toBe("FORBIDDEN");
    expect((await api("/api/sessions", s.userToken, { method: "POST", json: body, headers: { origin: "http://tower.test" } })).status).toBe(201);
    expect((await api("/api/sessions", s.userToken, { method: "POST", json: body })).status).toBe(201);
    // Reads are not state-changing; a cross-site read still needs the bearer token, which no other site has.
    expect((await api("/api/sessions", s.userToken, { headers: { origin: "https://evil.example" } })).status).toBe(200);
    const ws = await api("/api/workspace/live", s.userToken, { headers: { upgrade: "websocket", origin: "https://evil.example" } });
    expect(ws.status).toBe(403);
    const sessionId = (await (await api("/api/sessions", s.userToken)).json<{ sessions: { id: string }[] }>()).sessions[0]!.id;
    const live = await api(`/api/sessions/${sessionId}/live`, s.userToken, { headers: { upgrade: "websocket", origin: "https://evil.example" } });
    expect(live.status).toBe(403);
  });
});

describe("security: tokens in URLs", () => {
  it("refuses a socket whose token rides in the query: URLs reach logs, so only the header counts", async () => {
    const s = await seedWorkspace();
    const res = await api(`/api/workspace/live?access_token=${encodeURIComponent(s.userToken)}`, null, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(401);
    expect((await openSocket("/api/workspace/live", s.userToken)).frames).toBeDefined();
  });
});

describe("security: rate limits", () => {
  // Each burst may first wait for a fresh limiter window (freshRateWindow): up to 40 s more than its own time.
  it("limits approval decisions per token: the 61st in a minute gets 429 with the envelope", { timeout: 120_000 }, async () => {
    const seed = await seedWorkspace();
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
    const link = await openSocket("/api/agents/connect", seed.agentToken);
    link.send({ type: "hello", machine: { name: "m", hostname: "h" }, running: [] });
    const runId = ((await link.next((f) => f.type === "launch")).order as { runId: string }).runId;
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    agent.send({
      type: "agent-events",
      events: [
        { id: "1", at: 1, event: { type: "run-started", runId } },
        { id: "2", at: 1, event: { type: "approval-request", requestId: "r", toolName: "Bash", input: { command: "ls" } } },
      ],
    });
    await agent.next((f) => f.type === "ack");
    const { id: approvalId, inputSha256 } = await eventually(
      async () => (await (await api(`/api/approvals?session=${id}`, seed.userToken)).json<{ approvals: { id: string; inputSha256: string }[] }>()).approvals[0],
    );
    const statuses: number[] = [];
    await freshRateWindow();
    for (let i = 0; i < 61; i++) {
      statuses.push(
        (await api(`/api/approvals/${approvalId}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256 } })).status,
      );
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    const viewer = await openSocket(`/api/sessions/${id}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    viewer.send({ type: "decide", ref: "x", approvalId, body: { decision: "approve", inputSha256 } });
    expect(await viewer.next((f) => f.ref === "x")).toMatchObject({ type: "error", error: { code: "RATE_LIMITED" } });
  });

  it("limits device user codes tried per member, across their tokens: the 11th in a minute gets 429", { timeout: 120_000 }, async () => {
    const seed = await seedWorkspace();
    const second = await tokenFor(seed.workspaceId, seed.userId, "second@test");
    const code = (i: number) => `BCDF-${"GHJKLMNPQRSTVWXZ"[i]}GHJ`;
    const statuses: number[] = [];
    await freshRateWindow();
    for (let i = 0; i < 11; i++) {
      statuses.push((await api("/api/auth/device/approve", i % 2 ? second : seed.userToken, { method: "POST", json: { userCode: code(i) } })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Another member has a budget of their own.
    const other = await seedWorkspace();
    expect((await api("/api/auth/device/approve", other.userToken, { method: "POST", json: { userCode: code(0) } })).status).toBe(404);
  });

  it("gives a client-supplied cf-connecting-ip no fresh sign-in bucket: only the front door's address counts", { timeout: 120_000 }, async () => {
    const statuses: number[] = [];
    await freshRateWindow();
    for (let i = 0; i < 61; i++) {
      const spoofed = { "cf-connecting-ip": `203.0.113.${i}`, "x-forwarded-for": `198.51.100.${i}`, [CLIENT_ADDRESS]: "192.0.2.200" };
      statuses.push(
        (
          await browserFetch("/api/auth/session", {
            method: "POST",
            json: { token: "tower_unknown_token_000000" },
            origin: "http://tower.test",
            headers: spoofed,
          })
        ).status,
      );
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses[60]).toBe(429);
  });
});
