import { describe, expect, it } from "vitest";
import { api, memberWith, seedWorkspace } from "./helpers";

type Json = Record<string, unknown>;
const start = async (body: Json) =>
  await (await api("/api/auth/device", null, { method: "POST", json: body })).json<{
    deviceCode: string;
    userCode: string;
    verificationUri: string;
    interval: number;
  }>();
const poll = (deviceCode: string) => api("/api/auth/device/token", null, { method: "POST", json: { deviceCode } });

describe("device sign-in", () => {
  it("signs a CLI in: pending until a member approves, then a working token exactly once", async () => {
    const seed = await seedWorkspace();
    const flow = await start({ kind: "cli" });
    expect(flow.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(flow.verificationUri).toMatch(/\/device$/);
    expect(await (await poll(flow.deviceCode)).json()).toMatchObject({ status: "pending" });
    const approve = await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: flow.userCode.toLowerCase() } });
    expect(await approve.json()).toMatchObject({ status: "approved", kind: "cli" });
    const done = await (await poll(flow.deviceCode)).json<{ status: string; token: string; workspaceId: string }>();
    expect(done).toMatchObject({ status: "approved", workspaceId: seed.workspaceId });
    expect(await (await api("/api/health", done.token)).json()).toMatchObject({ workspaceId: seed.workspaceId });
    expect((await poll(flow.deviceCode)).status).toBe(404);
  });

  it("enrolls a machine owned by the approving member, with its own agent token", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const flow = await start({ kind: "agent", machineName: "ann-laptop" });
    await api("/api/auth/device/approve", ann.token, { method: "POST", json: { userCode: flow.userCode } });
    const done = await (await poll(flow.deviceCode)).json<{ token: string; agentId: string; machineName: string }>();
    expect(done.machineName).toBe("ann-laptop");
    const { agents } = await (await api("/api/agents", seed.userToken)).json<{ agents: { id: string; ownerId: string }[] }>();
    expect(agents.find((a) => a.id === done.agentId)?.ownerId).toBe(ann.userId);
    expect((await api("/api/agents/connect", done.token, { headers: { upgrade: "websocket" } })).status).toBe(101);
    expect((await api("/api/sessions", done.token)).status).toBe(403);
  });

  it("refuses a denied, unknown or mistyped code, and a viewer enrolling a machine", async () => {
    const seed = await seedWorkspace();
    const viewer = await memberWith(seed, "viewer", "val");
    const flow = await start({ kind: "agent", machineName: "m1" });
    expect((await api("/api/auth/device/approve", viewer.token, { method: "POST", json: { userCode: flow.userCode } })).status).toBe(403);
    await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: flow.userCode, decision: "deny" } });
    expect((await poll(flow.deviceCode)).status).toBe(403);
    expect((await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: "BCDF-GHJK" } })).status).toBe(404);
    expect((await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: "12" } })).status).toBe(400);
    expect((await api("/api/auth/device", null, { method: "POST", json: { kind: "agent" } })).status).toBe(400);
  });
});

describe("security: enrollment never takes over a machine", () => {
  it("refuses to enroll under the name of the workspace's existing (bootstrap) machine, and never hands out its token", async () => {
    const seed = await seedWorkspace();
    const mallory = await memberWith(seed, "member", "mallory");
    const flow = await start({ kind: "agent", machineName: seed.agentName });
    const approve = await api("/api/auth/device/approve", mallory.token, { method: "POST", json: { userCode: flow.userCode } });
    expect(approve.status).toBe(409);
    expect((await approve.json<{ error: { message: string } }>()).error.message).toContain("already");
    expect(await (await poll(flow.deviceCode)).json()).toEqual({ status: "pending", interval: 2 });
    const { agents } = await (await api("/api/agents", seed.userToken)).json<{ agents: { id: string; ownerId: string }[] }>();
    expect(agents).toHaveLength(1);
    expect(agents[0]!.ownerId).toBe(seed.userId);
  });

  it("refuses even the machine's own owner or an admin: a re-enrollment takes a new name, so the old token's machine stays its own", async () => {
    const seed = await seedWorkspace();
    const first = await start({ kind: "agent", machineName: "box" });
    await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: first.userCode } });
    const a = await (await poll(first.deviceCode)).json<{ agentId: string }>();
    const again = await start({ kind: "agent", machineName: "box" });
    expect((await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: again.userCode } })).status).toBe(409);
    const other = await start({ kind: "agent", machineName: "box-2" });
    await api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: other.userCode } });
    const b = await (await poll(other.deviceCode)).json<{ agentId: string }>();
    expect(b.agentId).not.toBe(a.agentId);
  });

  it("a race of two approved enrollments for one new name mints one machine; the loser gets 409, not the winner's token", async () => {
    const seed = await seedWorkspace();
    const one = await start({ kind: "agent", machineName: "contested" });
    const two = await start({ kind: "agent", machineName: "contested" });
    const approvals = await Promise.all(
      [one, two].map((f) => api("/api/auth/device/approve", seed.userToken, { method: "POST", json: { userCode: f.userCode } })),
    );
    const approved = [one, two].filter((_, i) => approvals[i]!.status === 200);
    const results = await Promise.all(approved.map((f) => poll(f.deviceCode)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const ids = new Set(
      (await (await api("/api/agents", seed.userToken)).json<{ agents: { name: string; id: string }[] }>()).agents
        .filter((a) => a.name === "contested")
        .map((a) => a.id),
    );
    expect(ids.size).toBe(1);
  });
});

describe("machines: who may launch", () => {
  it("lets a machine's owner restrict launches to chosen members", async () => {
    const seed = await seedWorkspace();
    const ann = await memberWith(seed, "member", "ann");
    const bob = await memberWith(seed, "member", "bob");
    const flow = await start({ kind: "agent", machineName: "ann-box" });
    await api("/api/auth/device/approve", ann.token, { method: "POST", json: { userCode: flow.userCode } });
    const { agentId } = await (await poll(flow.deviceCode)).json<{ agentId: string }>();
    expect((await api(`/api/agents/${agentId}`, bob.token, { method: "PATCH", json: { allowedUsers: [bob.userId] } })).status).toBe(403);
    const set = await api(`/api/agents/${agentId}`, ann.token, { method: "PATCH", json: { allowedUsers: [ann.userId] } });
    expect(await set.json()).toMatchObject({ allowedUsers: [ann.userId] });
    expect((await api("/api/sessions", bob.token, { method: "POST", json: { prompt: "p", cwd: "/tmp", agent: "ann-box" } })).status).toBe(403);
    expect((await api("/api/sessions", ann.token, { method: "POST", json: { prompt: "p", cwd: "/tmp", agent: "ann-box" } })).status).toBe(201);
  });
});

describe("invitations", () => {
  it("invites by link: accepting once makes a member with the role and a token; the link then stops working", async () => {
    const seed = await seedWorkspace();
    const created = await (await api("/api/invitations", seed.userToken, { method: "POST", json: { role: "viewer", email: "Vera@Example.com" } })).json<{
      code: string;
      url: string;
      invitation: { id: string };
    }>();
    expect(created.url).toContain(created.code);
    const listed = await (await api("/api/invitations", seed.userToken)).text();
    expect(listed).toContain(created.invitation.id);
    expect(listed).not.toContain(created.code);
    expect(
      (await api("/api/invitations/accept", null, { method: "POST", json: { code: created.code, name: "Mallory", email: "mallory@example.com" } })).status,
    ).toBe(403);
    const accepted = await (
      await api("/api/invitations/accept", null, { method: "POST", json: { code: created.code, name: "Vera", email: "vera@example.com" } })
    ).json<{ token: string; role: string }>();
    expect(accepted.role).toBe("viewer");
    expect((await api("/api/sessions", accepted.token)).status).toBe(200);
    expect((await api("/api/sessions", accepted.token, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).status).toBe(403);
    expect((await api("/api/invitations/accept", null, { method: "POST", json: { code: created.code, name: "Vera", email: "vera@example.com" } })).status).toBe(
      404,
    );
  });

  it("refuses a revoked invitation and an owner invitation", async () => {
    const seed = await seedWorkspace();
    const created = await (await api("/api/invitations", seed.userToken, { method: "POST", json: {} })).json<{ code: string; invitation: { id: string } }>();
    await api(`/api/invitations/${created.invitation.id}`, seed.userToken, { method: "DELETE" });
    expect((await api("/api/invitations/accept", null, { method: "POST", json: { code: created.code, name: "X", email: "x@example.com" } })).status).toBe(404);
    expect((await api("/api/invitations", seed.userToken, { method: "POST", json: { role: "owner" } })).status).toBe(400);
  });
});
