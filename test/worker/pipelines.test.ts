/**
 * Pipeline runs through the real Workflow binding (PipelineWorkflow in workerd), with simulated
 * machines: each is a real AgentLink socket that says hello with its labels, and each launched
 * session is driven to its end over the session's real agent socket.
 */
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { makeDb } from "../../worker/db/client";
import { createAgent } from "../../worker/db/agents";
import { insertToken } from "../../worker/db/tokens";
import { QUEUE_RECHECK_MS } from "../../worker/pipelines/advance";
import type { TickResult } from "../../worker/pipelines/run-tick";
import { newId } from "../../worker/protocol/ids";
import type { RunView } from "../../worker/protocol/pipelines";
import { hashToken, mintToken } from "../../worker/protocol/tokens";
import { api, eventually, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

interface Order {
  sessionId: string;
  runId: string;
  spec: { prompt: string };
}

class Machine {
  readonly orders: Order[] = [];
  private constructor(
    readonly name: string,
    readonly token: string,
    readonly link: Socket,
  ) {
    link.ws.addEventListener("message", (e) => {
      const f = JSON.parse(String(e.data)) as { type: string; order?: Order };
      if (f.type === "launch" && f.order && !this.orders.some((o) => o.runId === f.order!.runId)) {
        this.orders.push(f.order);
        link.send({ type: "launch-ack", runId: f.order.runId });
      }
    });
  }

  static async start(seed: Seed, name: string, labels: string[], capacity = 4): Promise<Machine> {
    const db = makeDb(env.DB);
    const agent = (await createAgent(db, seed.workspaceId, name, Date.now(), seed.userId))!;
    const token = mintToken();
    await insertToken(
      db,
      { id: newId("tok"), workspaceId: seed.workspaceId, kind: "agent", name, subject: `agent:${name}`, agentId: agent.id, tokenHash: await hashToken(token) },
      Date.now(),
    );
    const link = await openSocket("/api/agents/connect", token);
    link.send({ type: "hello", machine: { name, hostname: name, labels, capacity }, running: [] });
    await eventually(async () => (await env.DB.prepare("SELECT online FROM agents WHERE id = ?").bind(agent.id).first<{ online: number }>())?.online === 1);
    return new Machine(name, token, link);
  }

  /** Waits for a launch whose prompt contains `text`. */
  async launched(text: string, ms = 15_000): Promise<Order> {
    return eventually(async () => this.orders.find((o) => o.spec.prompt.includes(text)) ?? null, ms);
  }

  /** Plays a run of the session to its end. */
  async finish(order: Order, kind: "success" | "error", result = "done"): Promise<void> {
    const s = await openSocket(`/api/sessions/${order.sessionId}/agent`, this.token);
    const outcome = {
      kind,
      result,
      costUsd: 0.01,
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      numTurns: 1,
      durationMs: 5,
      ...(kind === "error" ? { error: "boom" } : {}),
    };
    s.send({
      type: "agent-events",
      events: [
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "run-started", runId: order.runId } },
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "sdk-message", message: { type: "result", subtype: "success", result } } },
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "run-ended", runId: order.runId, outcome } },
      ],
    });
    await s.next((f) => f.type === "ack");
    s.close();
  }

  close(): void {
    this.link.close();
  }
}

async function start(seed: Seed, yaml: string, params: Record<string, string> = {}): Promise<RunView> {
  const res = await api("/api/pipelines/runs", seed.userToken, { method: "POST", json: { yaml, params } });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${await res.text()}`);
  return res.json<RunView>();
}

async function runOf(seed: Seed, id: string): Promise<RunView> {
  return (await api(`/api/pipelines/runs/${id}`, seed.userToken)).json<RunView>();
}

async function until(seed: Seed, id: string, pred: (r: RunView) => boolean, ms = 20_000): Promise<RunView> {
  let last: RunView | null = null;
  try {
    return await eventually(async () => {
      last = await runOf(seed, id);
      return pred(last) ? last : null;
    }, ms);
  } catch {
    throw new Error(`run never matched; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
  }
}

const step = (r: RunView, id: string) => r.steps.find((s) => s.id === id)!;

describe("happy", () => {
  it("runs two steps in parallel on the machines their labels pick, then the one that needs both, with outputs passed on", async () => {
    const seed = await seedWorkspace();
    const [x, y] = [await Machine.start(seed, "mx", ["x"]), await Machine.start(seed, "my", ["y"])];
    const hub = await openSocket("/api/workspace/live", seed.userToken);
    const run = await start(
      seed,
      `
name: three
defaults: { cwd: /w }
steps:
  a: { prompt: "step a", selector: { labels: [x] } }
  b: { prompt: "step b", selector: { labels: [y] } }
  c:
    needs: [a, b]
    prompt: "combine {{steps.a.result}} and {{steps.b.result}} ({{steps.a.sessionId}})"
`,
    );
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ["a", "pending"],
      ["b", "pending"],
      ["c", "pending"],
    ]);
    const [oa, ob] = [await x.launched("step a"), await y.launched("step b")];
    expect(x.orders.some((o) => o.spec.prompt.includes("step b"))).toBe(false);
    await x.finish(oa, "success", "RESULT-A");
    const mid = await until(seed, run.id, (r) => step(r, "a").status === "succeeded");
    expect(step(mid, "c").status).toBe("pending");
    await y.finish(ob, "success", "RESULT-B");
    const oc = await eventually(async () => [...x.orders, ...y.orders].find((o) => o.spec.prompt.startsWith("combine")) ?? null);
    expect(oc.spec.prompt).toBe(`combine RESULT-A and RESULT-B (${oa.sessionId})`);
    await (x.orders.includes(oc) ? x : y).finish(oc, "success", "RESULT-C");
    const done = await until(seed, run.id, (r) => r.status === "succeeded");
    expect(done.steps.map((s) => [s.id, s.status, s.agentName, s.result])).toEqual([
      ["a", "succeeded", "mx", "RESULT-A"],
      ["b", "succeeded", "my", "RESULT-B"],
      ["c", "succeeded", expect.any(String), "RESULT-C"],
    ]);
    const session = await (await api(`/api/sessions/${oc.sessionId}`, seed.userToken)).json<Record<string, unknown>>();
    expect(session).toMatchObject({ pipelineRunId: run.id, pipelineStepId: "c" });
    const frame = await hub.next((f) => f.type === "pipeline-upsert" && (f.run as RunView).status === "succeeded", 10_000);
    expect((frame.run as RunView).steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    for (const m of [x, y, hub]) m.close();
  });

  it("retries a failed step with backoff, and keeps every session it launched", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "m", []);
    const run = await start(seed, "name: flaky\nsteps:\n  a:\n    prompt: try it\n    cwd: /w\n    retries: { max: 2, backoff: 1s }\n");
    const first = await m.launched("try it");
    await m.finish(first, "error");
    const retrying = await until(seed, run.id, (r) => step(r, "a").status === "retrying" || m.orders.length > 1);
    expect(step(retrying, "a").attempts).toBe(1);
    const second = await eventually(async () => m.orders[1] ?? null);
    expect(second.sessionId).not.toBe(first.sessionId);
    await m.finish(second, "success", "ok now");
    const done = await until(seed, run.id, (r) => r.status === "succeeded");
    expect(step(done, "a")).toMatchObject({ status: "succeeded", attempts: 2, sessionIds: [first.sessionId, second.sessionId], result: "ok now" });
    m.close();
  });

  it("skips a step whose condition is false, runs the failure handler, and re-runs only what did not succeed", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "m", []);
    const run = await start(
      seed,
      `
name: conditions
defaults: { cwd: /w }
steps:
  build: { prompt: build it }
  lint: { prompt: lint it }
  deploy: { needs: [build, lint], prompt: deploy it }
  notify: { needs: build, when: failure, prompt: "tell someone: {{steps.build.status}}" }
  cheap: { needs: lint, when: "steps.lint.cost < 0.001", prompt: cheap path }
`,
    );
    await m.finish(await m.launched("build it"), "error");
    await m.finish(await m.launched("lint it"), "success");
    const notify = await m.launched("tell someone: failed");
    await m.finish(notify, "success");
    const failed = await until(seed, run.id, (r) => r.status === "failed");
    expect(failed.steps.map((s) => [s.id, s.status])).toEqual([
      ["build", "failed"],
      ["lint", "succeeded"],
      ["deploy", "skipped"],
      ["notify", "succeeded"],
      ["cheap", "skipped"],
    ]);
    expect(step(failed, "cheap").statusReason).toMatch(/condition steps.lint.cost < 0.001 is false/);

    const lintSession = step(failed, "lint").sessionId;
    const retried = await api(`/api/pipelines/runs/${run.id}/retry`, seed.userToken, { method: "POST" });
    expect(retried.status).toBe(200);
    const builds = () => m.orders.filter((o) => o.spec.prompt === "build it");
    await until(seed, run.id, () => builds().length > 1);
    const rebuild = builds()[1]!;
    await m.finish(rebuild, "success");
    await m.finish(await m.launched("deploy it"), "success");
    const done = await until(seed, run.id, (r) => r.status === "succeeded");
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ["build", "succeeded"],
      ["lint", "succeeded"],
      ["deploy", "succeeded"],
      ["notify", "succeeded"],
      ["cheap", "skipped"],
    ]);
    expect(step(done, "lint").sessionId).toBe(lintSession);
    expect(m.orders.filter((o) => o.spec.prompt === "lint it")).toHaveLength(1);
    m.close();
  });

  it("cancels a run: its running sessions are interrupted and nothing else starts", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "m", []);
    const run = await start(seed, "name: long\ndefaults: { cwd: /w }\nsteps:\n  a: { prompt: long work }\n  b: { needs: a, prompt: after it }\n");
    const a = await m.launched("long work");
    const agentSide = await openSocket(`/api/sessions/${a.sessionId}/agent`, m.token);
    agentSide.send({ type: "agent-events", events: [{ id: crypto.randomUUID(), at: Date.now(), event: { type: "run-started", runId: a.runId } }] });
    await agentSide.next((f) => f.type === "ack");
    const res = await api(`/api/pipelines/runs/${run.id}/cancel`, seed.userToken, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "cancelled",
      steps: [
        { id: "a", status: "cancelled" },
        { id: "b", status: "cancelled" },
      ],
    });
    await agentSide.next((f) => f.type === "interrupt");
    expect((await api(`/api/pipelines/runs/${run.id}/cancel`, seed.userToken, { method: "POST" })).status).toBe(409);
    expect(m.orders.some((o) => o.spec.prompt === "after it")).toBe(false);
    agentSide.close();
    m.close();
  });

  it("interrupts a session that outlives its step's timeout, and fails the step", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "m", []);
    const run = await start(seed, "name: slow\nsteps:\n  a: { prompt: never ends, cwd: /w, timeout: 2s }\n");
    const order = await m.launched("never ends");
    const agentSide = await openSocket(`/api/sessions/${order.sessionId}/agent`, m.token);
    agentSide.send({ type: "agent-events", events: [{ id: crypto.randomUUID(), at: Date.now(), event: { type: "run-started", runId: order.runId } }] });
    await agentSide.next((f) => f.type === "ack");
    await agentSide.next((f) => f.type === "interrupt", 15_000);
    const failed = await until(seed, run.id, (r) => r.status === "failed");
    expect(step(failed, "a")).toMatchObject({ status: "failed", statusReason: "timed out after 2 s" });
    agentSide.close();
    m.close();
  });

  it("queues a step visibly while its machine is full, and starts it when a seat frees", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "small", ["gpu"], 1);
    await using flows = await introspectWorkflow(env.PIPELINE);
    const run = await start(
      seed,
      "name: fan\ndefaults: { cwd: /w, selector: { labels: [gpu] } }\nsteps:\n  t: { prompt: 'attempt {{matrix.index}}', matrix: { count: 2 } }\n",
    );
    const first = await m.launched("attempt");
    // The first session is running (not just queued): its seat is taken all the same.
    const agentSide = await openSocket(`/api/sessions/${first.sessionId}/agent`, m.token);
    agentSide.send({
      type: "agent-events",
      events: [
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "run-started", runId: first.runId } },
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "sdk-message", message: { type: "system", subtype: "init", session_id: "c1" } } },
      ],
    });
    await agentSide.next((f) => f.type === "ack");
    agentSide.close();
    await eventually(
      async () => (await env.DB.prepare("SELECT status FROM sessions WHERE id = ?").bind(first.sessionId).first<{ status: string }>())?.status === "running",
    );
    const runningSince = Date.now();
    // Wait for the queue to look at the pool again with the first session running: a tick that began after it.
    const [instance] = flows.get();
    for (let i = 1; ; i++) {
      const tick = (await instance!.waitForStepResult({ name: `tick ${i}` })) as TickResult;
      // No wake-up means nothing is queued any more: the second copy started, which the next line refuses.
      if (tick.wakeAt === null || tick.wakeAt - QUEUE_RECHECK_MS >= runningSince) break;
    }
    expect(m.orders).toHaveLength(1);
    const { agents } = await (await api("/api/agents", seed.userToken)).json<{ agents: { name: string; runningSessions: number }[] }>();
    expect(agents.find((a) => a.name === "small")?.runningSessions).toBe(1);
    const queued = await until(seed, run.id, (r) => r.steps.some((s) => s.status === "queued"));
    expect(queued.steps.find((s) => s.status === "queued")!.statusReason).toMatch(/waiting for a free seat on a machine labelled gpu \(small 1\/1\)/);
    await m.finish(first, "success");
    const second = await eventually(async () => m.orders[1] ?? null);
    await m.finish(second, "success");
    expect((await until(seed, run.id, (r) => r.status === "succeeded")).steps.map((s) => s.id)).toEqual(["t[0]", "t[1]"]);
    m.close();
  });
});

describe("faults", () => {
  it("tells the run again, on the room's next write, that a step's session ended when the first telling did not arrive", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "m", []);
    const run = await start(seed, "name: told\nsteps:\n  a: { prompt: tell me, cwd: /w }\n");
    const order = await m.launched("tell me");
    // The first step-update does not arrive (the Workflow service refuses it); the run's wait has no timer to fall back on.
    const refusing = { sendEvent: async () => Promise.reject(new Error("workflows unavailable")) };
    const spy = vi.spyOn(env.PIPELINE, "get").mockImplementationOnce(async () => refusing as unknown as WorkflowInstance);
    try {
      await m.finish(order, "success", "told");
      await eventually(async () => spy.mock.calls.length >= 1, 10_000);
      const res = await api(`/api/sessions/${order.sessionId}`, seed.userToken, { method: "PATCH", json: { title: "renamed" } });
      expect(res.status).toBe(200);
      expect((await until(seed, run.id, (r) => r.status === "succeeded", 10_000)).steps[0]).toMatchObject({ status: "succeeded", result: "told" });
    } finally {
      spy.mockRestore();
      m.close();
    }
  });
});

describe("approvals", () => {
  it("labels an approval raised inside a step with its run and step, in the inbox and on the workspace socket", async () => {
    const seed = await seedWorkspace();
    const m = await Machine.start(seed, "m", []);
    const hub = await openSocket("/api/workspace/live", seed.userToken);
    const run = await start(seed, "name: asks\nsteps:\n  write: { prompt: please write, cwd: /w }\n");
    const order = await m.launched("please write");
    const s = await openSocket(`/api/sessions/${order.sessionId}/agent`, m.token);
    s.send({
      type: "agent-events",
      events: [
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "run-started", runId: order.runId } },
        { id: crypto.randomUUID(), at: Date.now(), event: { type: "approval-request", requestId: "r1", toolName: "Write", input: { file_path: "/w/x" } } },
      ],
    });
    await s.next((f) => f.type === "ack");
    const frame = await hub.next((f) => f.type === "approval-upsert", 10_000);
    expect(frame.approval).toMatchObject({ sessionId: order.sessionId, pipelineRunId: run.id, pipelineStepId: "write", status: "pending" });
    const inbox = await eventually(
      async () => (await (await api("/api/approvals", seed.userToken)).json<{ approvals: Record<string, unknown>[] }>()).approvals[0],
    );
    expect(inbox).toMatchObject({ toolName: "Write", pipelineRunId: run.id, pipelineStepId: "write" });
    for (const x of [s, hub, m]) x.close();
  });
});

describe("errors", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "a cyclic graph",
      { yaml: "name: c\ndefaults: { cwd: /w }\nsteps:\n  a: { prompt: a, needs: c }\n  b: { prompt: b, needs: a }\n  c: { prompt: c, needs: b }\n" },
      /the steps form a cycle: a → b → c → a/,
    ],
    ["an unknown template", { yaml: "name: t\nsteps:\n  a: { template: nope, cwd: /w }\n" }, /unknown template "nope"/],
    [
      "an unknown template version",
      { yaml: "name: t\nsteps:\n  a: { template: known@7, cwd: /w }\n" },
      /template "known" has no version 7; its versions are 1 to 1/,
    ],
    [
      "a missing parameter",
      { yaml: "name: t\nparams: [{ name: test }]\nsteps:\n  a: { prompt: '{{params.test}}', cwd: /w }\n" },
      /missing required parameter "test"/,
    ],
    [
      "a mistyped parameter",
      { yaml: "name: t\nparams: [{ name: n, type: number }]\nsteps:\n  a: { prompt: '{{params.n}}', cwd: /w }\n", params: { n: "many" } },
      /"n" must be a number/,
    ],
    ["malformed YAML", { yaml: "name: t\nsteps:\n  a: { prompt: [unclosed\n" }, /The pipeline file is invalid: line \d+, column \d+/],
    ["a schema error, with its line", { yaml: "name: t\nsteps:\n  a:\n    prompt: x\n    retries: lots\n" }, /line 5, column 5: steps\.a\.retries/],
    [
      "a selector no machine matches",
      { yaml: "name: t\nsteps:\n  a: { prompt: x, cwd: /w, selector: { labels: [quantum] } }\n" },
      /no machine can run "a": needs a machine labelled quantum: none is enrolled/,
    ],
    ["both yaml and JSON", { yaml: "name: t", pipeline: {} }, /give yaml \(the file's text\) or pipeline \(its JSON\), not both/],
  ];
  it.each(cases)("refuses %s with a clear error, and starts and writes nothing", async (_, body, message) => {
    const seed = await seedWorkspace();
    await api("/api/templates", seed.userToken, { method: "POST", json: { name: "known", recipe: { prompt: "p", cwd: "/w" } } });
    const res = await api("/api/pipelines/runs", seed.userToken, { method: "POST", json: body });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(message);
    const runs = await env.DB.prepare("SELECT count(*) AS n FROM pipeline_runs WHERE workspace_id = ?").bind(seed.workspaceId).first<{ n: number }>();
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE workspace_id = ?").bind(seed.workspaceId).first<{ n: number }>();
    expect([runs?.n, sessions?.n]).toEqual([0, 0]);
  });

  it("validates a definition without starting it", async () => {
    const seed = await seedWorkspace();
    const res = await api("/api/pipelines/validate", seed.userToken, {
      method: "POST",
      json: { pipeline: { name: "v", defaults: { cwd: "/w" }, steps: { a: { prompt: "x", matrix: { count: 2 } }, b: { prompt: "y", needs: "a" } } } },
    });
    expect(await res.json()).toMatchObject({ ok: true, steps: [{ id: "a[0]" }, { id: "a[1]" }, { id: "b", needs: ["a[0]", "a[1]"] }] });
    const runs = await env.DB.prepare("SELECT count(*) AS n FROM pipeline_runs WHERE workspace_id = ?").bind(seed.workspaceId).first<{ n: number }>();
    expect(runs?.n).toBe(0);
  });
});
