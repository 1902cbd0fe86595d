import { describe, expect, it } from "vitest";
import { api, openSocket, seedWorkspace } from "./helpers";

describe("security", () => {
  it("refuses a request without a token with the 401 envelope", async () => {
    const res = await api("/api/sessions", null);
    expect(res.status).toBe(401);
    const body = await res.json<{ error: { code: string; message: string; requestId: string } }>();
    expect(body.error.code).toBe("UNAUTHORIZED");
    expect(body.error.message).toMatch(/Bearer/);
    expect(body.error.requestId).toBeTruthy();
  });

  it("refuses an unknown token", async () => {
    expect((await api("/api/health", "tower_nope")).status).toBe(401);
  });

  it("never shows one workspace's sessions to another", async () => {
    const a = await seedWorkspace("a");
    const b = await seedWorkspace("b");
    const created = await api("/api/sessions", a.userToken, { method: "POST", json: { prompt: "hi", cwd: "/tmp" } });
    expect(created.status).toBe(201);
    const { id } = await created.json<{ id: string }>();
    expect((await api(`/api/sessions/${id}`, b.userToken)).status).toBe(404);
    const list = await (await api("/api/sessions", b.userToken)).json<{ sessions: unknown[] }>();
    expect(list.sessions).toEqual([]);
  });
});

describe("happy", () => {
  it("answers health for a valid token", async () => {
    const s = await seedWorkspace();
    const res = await api("/api/health", s.userToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, workspaceId: s.workspaceId, subject: "user@test" });
  });

  it("serves an OpenAPI document that lists the session routes", async () => {
    const s = await seedWorkspace();
    const doc = await (await api("/api/openapi.json", s.userToken)).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/sessions", "/api/sessions/{id}", "/api/sessions/{id}/events", "/api/approvals/{id}/decision", "/api/agents"]),
    );
  });

  it("creates a session queued on the workspace's agent and lists it with its counts", async () => {
    const s = await seedWorkspace();
    const res = await api("/api/sessions", s.userToken, { method: "POST", json: { prompt: "fix the failing test\nplease", cwd: "/src/app", maxTurns: 3 } });
    expect(res.status).toBe(201);
    const created = await res.json<Record<string, unknown>>();
    expect(created).toMatchObject({
      status: "queued",
      title: "fix the failing test",
      agentId: s.agentId,
      agentName: s.agentName,
      messageCount: 0,
      pendingApprovals: 0,
    });
    const list = await (await api("/api/sessions", s.userToken)).json<{ sessions: Record<string, unknown>[] }>();
    expect(list.sessions).toHaveLength(1);
    expect(list.sessions[0]).toMatchObject({ id: created.id, status: "queued", agentName: s.agentName });
    const events = await (await api(`/api/sessions/${created.id}/events`, s.userToken)).json<{ events: { type: string }[] }>();
    expect(events.events.map((e) => e.type)).toEqual(["session-created", "status-changed"]);
  });

  it("pages the list with a cursor and filters by status and text", async () => {
    const s = await seedWorkspace();
    for (let i = 0; i < 5; i++) {
      await api("/api/sessions", s.userToken, {
        method: "POST",
        json: { prompt: `task number ${i}`, cwd: "/tmp", title: i === 3 ? "the special one" : undefined },
      });
    }
    const first = await (await api("/api/sessions?limit=2", s.userToken)).json<{ sessions: { title: string }[]; nextCursor: string }>();
    expect(first.sessions).toHaveLength(2);
    const second = await (await api(`/api/sessions?limit=2&cursor=${first.nextCursor}`, s.userToken)).json<{ sessions: { title: string }[] }>();
    expect(second.sessions).toHaveLength(2);
    expect(second.sessions.map((x) => x.title)).not.toContain(first.sessions[0]!.title);
    const found = await (await api("/api/sessions?q=special", s.userToken)).json<{ sessions: { title: string }[] }>();
    expect(found.sessions.map((x) => x.title)).toEqual(["the special one"]);
    const done = await (await api("/api/sessions?status=completed", s.userToken)).json<{ sessions: unknown[] }>();
    expect(done.sessions).toEqual([]);
  });

  it("renames and archives a session; archived ones leave the default list", async () => {
    const s = await seedWorkspace();
    const { id } = await (await api("/api/sessions", s.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>();
    const patched = await api(`/api/sessions/${id}`, s.userToken, { method: "PATCH", json: { title: "renamed", archived: true } });
    expect(await patched.json()).toMatchObject({ title: "renamed", archived: true });
    expect((await (await api("/api/sessions", s.userToken)).json<{ sessions: unknown[] }>()).sessions).toHaveLength(0);
    expect((await (await api("/api/sessions?archived=true", s.userToken)).json<{ sessions: unknown[] }>()).sessions).toHaveLength(1);
  });

  it("cancels a queued session on interrupt", async () => {
    const s = await seedWorkspace();
    const { id } = await (await api("/api/sessions", s.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>();
    const res = await api(`/api/sessions/${id}/interrupt`, s.userToken, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "interrupted" });
    const again = await api(`/api/sessions/${id}/interrupt`, s.userToken, { method: "POST" });
    expect(again.status).toBe(410);
  });
});

describe("errors", () => {
  it.each([
    ["an empty prompt", { prompt: "", cwd: "/tmp" }, "prompt"],
    ["a missing cwd", { prompt: "x" }, "cwd"],
    ["a negative maxTurns", { prompt: "x", cwd: "/tmp", maxTurns: -1 }, "maxTurns"],
  ])("rejects %s with 400 and names the field, storing nothing", async (_name, json, field) => {
    const s = await seedWorkspace();
    const res = await api("/api/sessions", s.userToken, { method: "POST", json });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; issues: { path: string }[] } }>();
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.issues.map((i) => i.path)).toContain(field);
    expect((await (await api("/api/sessions", s.userToken)).json<{ sessions: unknown[] }>()).sessions).toHaveLength(0);
  });

  it("rejects malformed JSON with 400", async () => {
    const s = await seedWorkspace();
    const res = await api("/api/sessions", s.userToken, { method: "POST", body: "{nope", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("BAD_REQUEST");
  });

  it("names an unknown agent in a 404", async () => {
    const s = await seedWorkspace();
    const res = await api("/api/sessions", s.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp", agent: "nowhere" } });
    expect(res.status).toBe(404);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/nowhere/);
  });

  it("rejects an id of the wrong shape and an unknown route", async () => {
    const s = await seedWorkspace();
    expect((await api("/api/sessions/not-an-id", s.userToken)).status).toBe(400);
    expect((await api("/api/nothing-here", s.userToken)).status).toBe(404);
  });

  it("rejects a bad cursor and a bad status filter", async () => {
    const s = await seedWorkspace();
    expect((await api("/api/sessions?cursor=zzz", s.userToken)).status).toBe(400);
    expect((await api("/api/sessions?status=bogus", s.userToken)).status).toBe(400);
  });
});

describe("diagnostics", () => {
  it("echoes WebSocket frames for an authenticated client and refuses an anonymous upgrade", async () => {
    const s = await seedWorkspace();
    const sock = await openSocket("/api/echo", s.userToken);
    sock.send({ type: "ping-me", n: 1 });
    expect(await sock.next((f) => f.type === "ping-me")).toEqual({ type: "ping-me", n: 1 });
    sock.close();
    expect((await api("/api/echo", null, { headers: { upgrade: "websocket" } })).status).toBe(401);
  });
});
