import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../worker/protocol/agent";
import type { Json } from "../../worker/protocol/json";
import { api, envelope, eventually, openSocket, type Seed, seedWorkspace, type Socket, startedSession } from "./helpers";

type Frame = Record<string, unknown>;
const isEvents = (f: Frame) => f.type === "events";
const eventsOf = (f: Frame) => f.events as { type: string; [k: string]: unknown }[];

const RULES = `rules:
  - id: work-writes
    decision: allow
    tool: Write
    path: /work/**
  - id: no-rm
    decision: deny
    tool: Bash
    command: rm *
    message: Do not delete files; move them to trash/ instead.
  - id: make-asks
    decision: ask
    tool: Bash
    command: make *
`;

async function started(seed: Seed): Promise<{ id: string; agent: Socket; viewer: Socket }> {
  const session = await startedSession(seed);
  const viewer = await openSocket(`/api/sessions/${session.id}/live`, seed.userToken);
  await viewer.next((f) => f.type === "snapshot");
  return { ...session, viewer };
}

function ask(agent: Socket, requestId: string, toolName: string, input: Record<string, Json>, extra: Partial<AgentEvent> = {}) {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId, toolName, input, ...extra } as AgentEvent)] });
}

const decisionFor = (agent: Socket, requestId: string) => agent.next((f) => f.type === "decision" && f.requestId === requestId);

describe("happy", () => {
  it("an allow rule resolves the call with no person, named in the session's events and the audit log", async () => {
    const seed = await seedWorkspace("rules-room");
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } })).status).toBe(200);
    const { id, agent, viewer } = await started(seed);
    ask(agent, "req-w", "Write", { file_path: "/work/hello.txt", content: "hi" });
    expect(await decisionFor(agent, "req-w")).toMatchObject({ type: "decision", requestId: "req-w", answer: { behavior: "allow" } });
    const resolved = await viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "approval-resolved"));
    expect(eventsOf(resolved).find((e) => e.type === "approval-resolved")).toMatchObject({
      status: "approved",
      via: "rule",
      by: "rule work-writes (v1)",
      rule: { id: "work-writes", version: 1, index: 0 },
    });
    await eventually(async () => (await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string }>()).status === "running");
    const entry = await eventually(async () => {
      const r = await (await api("/api/audit?action=approval.approved", seed.userToken)).json<{
        entries: { via: string; actor: string; details: Record<string, unknown> }[];
      }>();
      return r.entries[0];
    });
    expect(entry).toMatchObject({ via: "rule", actor: "rule work-writes (v1)", details: { rule: { id: "work-writes", version: 1 } } });
  });

  it("decides a call in the same stored step as its request once the room holds the current rules", async () => {
    const seed = await seedWorkspace("rules-room-one-step");
    await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } });
    const { agent, viewer } = await started(seed);
    // The first call fetches the rules from the hub; the room holds them as current from then on.
    ask(agent, "req-1", "Write", { file_path: "/work/one.txt", content: "1" });
    await decisionFor(agent, "req-1");
    await viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "approval-resolved"));
    ask(agent, "req-2", "Write", { file_path: "/work/two.txt", content: "2" });
    expect(await decisionFor(agent, "req-2")).toMatchObject({ answer: { behavior: "allow" } });
    // One step: the request and its rule's decision reach viewers in one frame (one write, one wait on storage).
    const frame = await viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "approval-requested" && JSON.stringify(e).includes("two.txt")));
    expect(eventsOf(frame).map((e) => e.type)).toEqual(expect.arrayContaining(["approval-requested", "approval-resolved"]));
  });

  it("a deny rule resolves the call with its message; an ask waits for a person", async () => {
    const seed = await seedWorkspace("rules-room-deny");
    await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } });
    const { agent } = await started(seed);
    ask(agent, "req-make", "Bash", { command: "make build" });
    ask(agent, "req-rm", "Bash", { command: "ls && rm -rf build" });
    expect(await decisionFor(agent, "req-rm")).toMatchObject({
      type: "decision",
      requestId: "req-rm",
      answer: { behavior: "deny", message: "Do not delete files; move them to trash/ instead." },
    });
    // No rule decides the ask: it waits for a person.
    const inbox = await eventually(async () => {
      // The inbox reads D1's mirror, which follows the room: wait for the denied call to leave it.
      const r = await (await api("/api/approvals", seed.userToken)).json<{ approvals: { toolName: string; input: { command?: string }; status: string }[] }>();
      return r.approvals.length === 1 ? r : null;
    });
    expect(inbox.approvals.map((a) => [a.input.command, a.status])).toEqual([["make build", "pending"]]);
  });

  it("a new version of the rules applies to the very next call", async () => {
    const seed = await seedWorkspace("rules-room-version");
    await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } });
    const { agent } = await started(seed);
    ask(agent, "req-1", "Write", { file_path: "/work/a.txt", content: "a" });
    expect((await decisionFor(agent, "req-1")).answer).toEqual({ behavior: "allow" });
    const stricter = `rules:\n  - id: frozen\n    decision: deny\n    tool: Write\n    message: The tree is frozen for the release.\n`;
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: stricter } })).status).toBe(200);
    ask(agent, "req-2", "Write", { file_path: "/work/b.txt", content: "b" });
    expect((await decisionFor(agent, "req-2")).answer).toEqual({ behavior: "deny", message: "The tree is frozen for the release." });
  });
});

describe("security", () => {
  it("never auto-allows a request Claude Code says a person must answer, but a deny still applies", async () => {
    const seed = await seedWorkspace("rules-room-ui");
    await api("/api/rules", seed.userToken, { method: "PUT", json: { source: RULES } });
    const { agent } = await started(seed);
    ask(agent, "req-ui", "Write", { file_path: "/work/x.txt", content: "x" }, { requiresUserInteraction: true });
    ask(agent, "req-rm", "Bash", { command: "rm x" }, { requiresUserInteraction: true });
    expect((await decisionFor(agent, "req-rm")).answer).toMatchObject({ behavior: "deny" });
    const inbox = await eventually(async () => {
      const r = await (await api("/api/approvals", seed.userToken)).json<{ approvals: { input: { file_path?: string }; status: string }[] }>();
      return r.approvals.length === 1 ? r : null;
    });
    expect(inbox.approvals.map((a) => [a.input.file_path, a.status])).toEqual([["/work/x.txt", "pending"]]);
  });
});

describe("the machine owner's deny policy", () => {
  const POLICY = {
    rules: [{ id: "no-curl", decision: "deny", tool: "Bash", command: "curl *", message: "No network calls from this machine." }],
  };
  const ALLOW_ALL_BASH = "rules:\n  - id: all-bash\n    decision: allow\n    tool: Bash\n";

  it("denies a call a workspace rule allows, with the owner's message, on a session already running and on a new one", async () => {
    const seed = await seedWorkspace("rules-room-machine");
    await api("/api/rules", seed.userToken, { method: "PUT", json: { source: ALLOW_ALL_BASH } });
    const running = await started(seed);
    ask(running.agent, "req-ls", "Bash", { command: "ls" });
    expect((await decisionFor(running.agent, "req-ls")).answer).toEqual({ behavior: "allow" });
    // Set while the session runs: pushed to its room, which judges the next call by it.
    const patched = await api(`/api/agents/${seed.agentId}`, seed.userToken, { method: "PATCH", json: { denyRules: POLICY } });
    expect(patched.status).toBe(200);
    expect((await patched.json<{ denyRules: unknown }>()).denyRules).toMatchObject({
      rules: [{ id: "no-curl", decision: "deny", tool: ["Bash"], command: ["curl *"] }],
    });
    ask(running.agent, "req-curl", "Bash", { command: "curl https://example.com" });
    expect((await decisionFor(running.agent, "req-curl")).answer).toEqual({ behavior: "deny", message: "No network calls from this machine." });
    const resolved = await running.viewer.next((f) => isEvents(f) && eventsOf(f).some((e) => e.type === "approval-resolved" && e.status === "denied"));
    expect(eventsOf(resolved).find((e) => e.type === "approval-resolved")).toMatchObject({ via: "rule", by: expect.stringContaining("machine policy") });
    // A session launched after the change has it from its start; a workspace allow still allows the rest.
    const next = await started(seed);
    ask(next.agent, "req-curl2", "Bash", { command: "echo hi && curl x" });
    expect((await decisionFor(next.agent, "req-curl2")).answer).toEqual({ behavior: "deny", message: "No network calls from this machine." });
    ask(next.agent, "req-echo", "Bash", { command: "echo hi" });
    expect((await decisionFor(next.agent, "req-echo")).answer).toEqual({ behavior: "allow" });
  });

  it("a call already waiting for a person when the policy is set is denied by it", async () => {
    const seed = await seedWorkspace("rules-room-machine-pending");
    const { agent } = await started(seed);
    ask(agent, "req-wait", "Bash", { command: "curl https://example.com" });
    await eventually(async () => (await (await api("/api/approvals", seed.userToken)).json<{ approvals: unknown[] }>()).approvals.length === 1);
    expect((await api(`/api/agents/${seed.agentId}`, seed.userToken, { method: "PATCH", json: { denyRules: POLICY } })).status).toBe(200);
    expect((await decisionFor(agent, "req-wait")).answer).toEqual({ behavior: "deny", message: "No network calls from this machine." });
  });

  it("only denies: a machine policy with an allow rule is refused (400) and names why", async () => {
    const seed = await seedWorkspace("rules-room-machine-bad");
    const allow = await api(`/api/agents/${seed.agentId}`, seed.userToken, {
      method: "PATCH",
      json: { denyRules: { rules: [{ decision: "allow", tool: "Bash" }] } },
    });
    expect(allow.status).toBe(400);
    expect(await allow.text()).toContain("only denies");
  });
});

describe("a machine deny policy that no longer reads", () => {
  const POLICY = { rules: [{ id: "no-curl", decision: "deny", tool: "Bash", command: "curl *", message: "No curl here." }] };
  // A stored policy can stop matching its schema (hand-edited, or written by an older release): it
  // must not read as "no policy", which would let through what the owner denied.
  for (const [label, stored] of [
    ["is not JSON", "{not json"],
    ["holds an allow rule", JSON.stringify({ rules: [{ decision: "allow", tool: "Bash" }] })],
    ["has the wrong shape", JSON.stringify({ rules: "curl *" })],
  ] as const) {
    it(`admits no run when it ${label}, lists the machine with the reason, and reads again once set anew`, async () => {
      const seed = await seedWorkspace(`rules-room-unreadable-${label.replaceAll(" ", "-")}`);
      await env.DB.prepare("update agents set deny_rules = ? where id = ?").bind(stored, seed.agentId).run();
      const refused = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/work" } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain("deny policy");
      const listed = await (await api("/api/agents", seed.userToken)).json<{ agents: { id: string; denyRules?: unknown; denyRulesUnreadable?: string }[] }>();
      const machine = listed.agents.find((a) => a.id === seed.agentId)!;
      expect(machine.denyRules ?? null).toBeNull();
      expect(machine.denyRulesUnreadable).toContain("set it again");
      const fixed = await api(`/api/agents/${seed.agentId}`, seed.userToken, { method: "PATCH", json: { denyRules: POLICY } });
      expect(fixed.status).toBe(200);
      expect((await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/work" } })).status).toBe(201);
    });
  }
});
