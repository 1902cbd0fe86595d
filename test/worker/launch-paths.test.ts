/**
 * Every path that puts a run on a machine (launch, template, pipeline step, pipeline retry, fork,
 * continue) goes through launchRun: one table drives each path against the machine's launch policy
 * (allowedUsers, and the stdio MCP command allowlist), with a real AgentLink socket seeing the orders.
 */
import { describe, expect, it } from "vitest";
import { api, eventually, memberWith, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

interface Order {
  sessionId: string;
  runId: string;
  spec: Record<string, unknown> & { prompt: string };
  resume?: string;
}

/** The seed's machine, online: records every launch order it is sent. */
async function machine(seed: Seed): Promise<{ link: Socket; orders: Order[] }> {
  const link = await openSocket("/api/agents/connect", seed.agentToken);
  const orders: Order[] = [];
  link.ws.addEventListener("message", (e) => {
    const f = JSON.parse(String(e.data)) as { type: string; order?: Order };
    if (f.type === "launch" && f.order) {
      orders.push(f.order);
      link.send({ type: "launch-ack", runId: f.order.runId });
    }
  });
  link.send({ type: "hello", machine: { name: seed.agentName, hostname: "h", labels: ["box"], capacity: 8 }, running: [] });
  await link.next((f) => f.type === "welcome");
  return { link, orders };
}

/** Plays a run to its end (with a Claude session id, so the session can be forked and continued). */
async function finish(seed: Seed, order: Order): Promise<void> {
  const s = await openSocket(`/api/sessions/${order.sessionId}/agent`, seed.agentToken);
  const outcome = {
    kind: "success",
    result: "ok",
    claudeSessionId: `claude-${order.runId}`,
    costUsd: 0.01,
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    numTurns: 1,
    durationMs: 5,
  };
  const ev = (event: unknown) => ({ id: crypto.randomUUID(), at: Date.now(), event });
  s.send({
    type: "agent-events",
    events: [
      ev({ type: "run-started", runId: order.runId }),
      ev({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: `claude-${order.runId}` } }),
      ev({ type: "run-ended", runId: order.runId, outcome }),
    ],
  });
  await s.next((f) => f.type === "ack");
  s.close();
}

const policy = (seed: Seed, body: unknown) => api(`/api/agents/${seed.agentId}`, seed.userToken, { method: "PATCH", json: body });
const fullSpec = {
  cwd: "/repo",
  model: "claude-test",
  maxTurns: 7,
  appendSystemPrompt: "Always answer in French.",
  allowedTools: ["Read", "Grep"],
  disallowedTools: ["Bash(rm:*)"],
  additionalDirectories: ["/shared"],
  mcpServers: { tools: { command: "my-mcp", args: ["--ro"] }, web: { type: "http", url: "https://mcp.example.com/x" } },
};

/** A finished session launched by the workspace owner with `spec`, shared with `bob` as collaborator. */
async function parentSession(seed: Seed, m: { orders: Order[] }, bobId: string, spec: Record<string, unknown>): Promise<string> {
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "parent", ...spec } });
  expect(res.status).toBe(201);
  const { id } = await res.json<{ id: string }>();
  await finish(seed, await eventually(async () => m.orders.find((o) => o.sessionId === id) ?? null));
  await eventually(async () => (await (await api(`/api/sessions/${id}`, seed.userToken)).json<{ status: string }>()).status === "completed" || null);
  await api(`/api/sessions/${id}/shares`, seed.userToken, { method: "PUT", json: { principal: `user:${bobId}`, role: "collaborator" } });
  return id;
}

interface Outcome {
  status: number;
  message: string;
}
const outcome = async (res: Response): Promise<Outcome> => ({
  status: res.status,
  message: res.ok ? "" : (await res.json<{ error: { message: string } }>()).error.message,
});

/** A pipeline's one step (from a template carrying `spec`) fails to start: its status reason says why. */
async function pipelineRefusal(token: string, runId?: string): Promise<Outcome> {
  let id = runId;
  if (!id) {
    const res = await api("/api/pipelines/runs", token, {
      method: "POST",
      json: { yaml: "name: p\nsteps:\n  s: { template: mcp-tpl, selector: { labels: [box] } }\n", params: {} },
    });
    expect(res.status).toBe(201);
    id = (await res.json<{ id: string }>()).id;
  } else {
    expect((await api(`/api/pipelines/runs/${id}/retry`, token, { method: "POST" })).status).toBe(200);
  }
  const step = await eventually(async () => {
    const run = await (await api(`/api/pipelines/runs/${id}`, token)).json<{ status: string; steps: { status: string; statusReason: string }[] }>();
    return run.status === "failed" ? run.steps[0]! : null;
  }, 15_000);
  return { status: 403, message: `${id} ${step.statusReason}` };
}

type PathCtx = { seed: Seed; m: { orders: Order[] }; bob: { userId: string; token: string }; token: string; parent: string };
/** Each path, tried by `token`, with a run spec whose stdio MCP command is "my-mcp". */
const PATHS: [string, (c: PathCtx) => Promise<Outcome>][] = [
  ["launch", async (c) => outcome(await api("/api/sessions", c.token, { method: "POST", json: { prompt: "p", ...fullSpec } }))],
  ["template launch", async (c) => outcome(await api("/api/templates/mcp-tpl/launch", c.token, { method: "POST", json: {} }))],
  ["fork", async (c) => outcome(await api(`/api/sessions/${c.parent}/continue`, c.token, { method: "POST", json: { prompt: "fork it", fork: true } }))],
  ["continue", async (c) => outcome(await api(`/api/sessions/${c.parent}/continue`, c.token, { method: "POST", json: { prompt: "go on" } }))],
  ["pipeline step", async (c) => pipelineRefusal(c.token)],
  [
    "pipeline retry",
    async (c) => {
      const first = await pipelineRefusal(c.token);
      return pipelineRefusal(c.token, first.message.split(" ")[0]);
    },
  ],
];

async function setUp(): Promise<PathCtx & { link: Socket }> {
  const seed = await seedWorkspace();
  const bob = await memberWith(seed, "member", "bob");
  const m = await machine(seed);
  expect((await policy(seed, { allowedMcpCommands: ["my-mcp"] })).status).toBe(200);
  const { mcpServers, ...rest } = fullSpec;
  expect(
    (await api("/api/templates", seed.userToken, { method: "POST", json: { name: "mcp-tpl", recipe: { prompt: "from template", ...rest, mcpServers } } }))
      .status,
  ).toBe(201);
  const parent = await parentSession(seed, m, bob.userId, fullSpec);
  return { seed, m, bob, token: seed.userToken, parent, link: m.link };
}

describe("security: every launch path applies the machine's launch policy", () => {
  it.each(PATHS)("%s: a stdio MCP command the machine's owner has not allowed is refused, naming the command and how to allow it", async (_name, path) => {
    const ctx = await setUp();
    expect((await policy(ctx.seed, { allowedMcpCommands: [] })).status).toBe(200);
    const before = ctx.m.orders.length;
    const r = await path(ctx);
    expect(r.status).toBe(403);
    expect(r.message).toContain('stdio MCP command "my-mcp"');
    expect(r.message).toContain("allowedMcpCommands");
    expect(ctx.m.orders.length).toBe(before);
    ctx.link.close();
  });

  it.each(PATHS.filter(([n]) => !n.startsWith("pipeline")))("%s: a member the machine no longer admits is refused", async (_name, path) => {
    const ctx = await setUp();
    expect((await policy(ctx.seed, { allowedUsers: [ctx.seed.userId] })).status).toBe(200);
    const before = ctx.m.orders.length;
    const r = await path({ ...ctx, token: ctx.bob.token });
    expect(r).toMatchObject({ status: 403 });
    expect(r.message).toContain("does not accept launches from you");
    expect(ctx.m.orders.length).toBe(before);
    ctx.link.close();
  });
});

describe("happy", () => {
  it("a fork keeps its parent's full launch spec (tools, turns, system prompt, MCP servers) and changes only the prompt", async () => {
    const ctx = await setUp();
    const res = await api(`/api/sessions/${ctx.parent}/continue`, ctx.token, { method: "POST", json: { prompt: "fork it", fork: true } });
    expect(res.status).toBe(200);
    const { id } = await res.json<{ id: string }>();
    const order = await eventually(async () => ctx.m.orders.find((o) => o.sessionId === id) ?? null);
    expect(order.spec).toEqual({ prompt: "fork it", ...fullSpec });
    expect(order.resume).toMatch(/^claude-/);
    ctx.link.close();
  });

  it("each path launches when the policy admits it, with the full spec", async () => {
    const ctx = await setUp();
    for (const [name, path] of PATHS.filter(([n]) => !n.startsWith("pipeline"))) {
      const before = ctx.m.orders.length;
      const r = await path(ctx);
      expect(r, name).toMatchObject({ status: expect.any(Number), message: "" });
      const order = await eventually(async () => ctx.m.orders[before] ?? null);
      expect(order.spec, name).toMatchObject({ maxTurns: 7, allowedTools: ["Read", "Grep"], mcpServers: fullSpec.mcpServers });
    }
    ctx.link.close();
  });
});
