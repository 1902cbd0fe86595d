/**
 * The workspace socket's frame matrix, generated from a table like the HTTP authorization matrix:
 * every hub frame kind names the HTTP route that returns the same data, and for every kind of caller
 * the socket must carry the frame iff that route, asked by the same caller, returns the data.
 */
import { describe, expect, it } from "vitest";
import { HubFrame } from "../../worker/protocol/frames";
import type { RunView } from "../../worker/protocol/pipelines";
import { PERMISSIONS } from "../../worker/routes/permissions";
import { api, eventually, memberWith, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

/** Which HTTP route returns the data each hub frame carries. */
const FRAME_ROUTES: Record<HubFrame["type"], string> = {
  hello: "GET /api/approvals", // and its machines: GET /api/agents
  "session-upsert": "GET /api/sessions/:id",
  "approval-upsert": "GET /api/approvals",
  "agent-presence": "GET /api/agents",
  "session-removed": "GET /api/sessions/:id", // sent when that route stops answering (see hub-reauthorize tests)
  "pipeline-upsert": "GET /api/pipelines/runs/:id",
};

const CALLERS = ["owner", "admin", "member", "viewer", "collaborator", "sessionViewer", "bystander", "otherWorkspace"] as const;
type Caller = (typeof CALLERS)[number];

const machineHello = { type: "hello", machine: { name: "m", hostname: "h", capacity: 4 }, running: [] };

/** Plays agent events on a session's agent channel and waits for their acknowledgement. */
async function agentSays(seed: Seed, sessionId: string, events: unknown[]): Promise<void> {
  const agent = await openSocket(`/api/sessions/${sessionId}/agent`, seed.agentToken);
  agent.send({ type: "agent-events", events: events.map((event) => ({ id: crypto.randomUUID(), at: Date.now(), event })) });
  await agent.next((f) => f.type === "ack");
  agent.close();
}

async function pendingApprovalIds(token: string): Promise<string[]> {
  const r = await (await api("/api/approvals?status=pending", token)).json<{ approvals: { id: string }[] }>();
  return r.approvals.map((a) => a.id);
}

describe("security: workspace socket frames", () => {
  it("has a route for every hub frame kind, and each is a real route", () => {
    const kinds = HubFrame.options.map((o) => o.shape.type.value);
    expect(Object.keys(FRAME_ROUTES).sort()).toEqual([...kinds].sort());
    for (const route of Object.values(FRAME_ROUTES)) expect(PERMISSIONS[route], route).toBeDefined();
  });

  it("sends each caller exactly the frames its HTTP route would answer", { timeout: 60_000 }, async () => {
    const seed = await seedWorkspace("frames");
    const other = await seedWorkspace("frames-elsewhere");
    const author = await memberWith(seed, "member", "author");
    const people = {
      admin: await memberWith(seed, "admin"),
      member: await memberWith(seed, "member"),
      viewer: await memberWith(seed, "viewer"),
      collaborator: await memberWith(seed, "member", "collaborator"),
      sessionViewer: await memberWith(seed, "member", "session-viewer"),
      bystander: await memberWith(seed, "member", "bystander"),
    };
    const tokens: Record<Caller, string> = {
      owner: seed.userToken,
      otherWorkspace: other.userToken,
      ...Object.fromEntries(Object.entries(people).map(([k, v]) => [k, v.token])),
    } as Record<Caller, string>;

    // A private session of the author, shared with two people, with one approval pending.
    const link = await openSocket("/api/agents/connect", seed.agentToken);
    link.send(machineHello);
    const { id: sessionId } = await (await api("/api/sessions", author.token, { method: "POST", json: { prompt: "private work", cwd: "/tmp" } })).json<{
      id: string;
    }>();
    for (const [who, role] of [
      [people.collaborator, "collaborator"],
      [people.sessionViewer, "viewer"],
    ] as const) {
      expect((await api(`/api/sessions/${sessionId}/shares`, author.token, { method: "PUT", json: { principal: `user:${who.userId}`, role } })).status).toBe(
        200,
      );
    }
    const launch = await link.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === sessionId);
    const sessionRun = (launch.order as { runId: string }).runId;
    await agentSays(seed, sessionId, [
      { type: "run-started", runId: sessionRun },
      { type: "approval-request", requestId: "r1", toolName: "Bash", input: { command: "cat secrets" } },
    ]);
    const [first] = await eventually(async () => {
      const ids = await pendingApprovalIds(seed.userToken);
      return ids.length ? ids : null;
    });

    const hubs = {} as Record<Caller, Socket>;
    for (const c of CALLERS) hubs[c] = await openSocket("/api/workspace/live", tokens[c]);
    for (const c of CALLERS) await hubs[c].next((f) => f.type === "hello");

    // Deltas: a second approval (and the session's change), and a pipeline run whose step ends with a result.
    await agentSays(seed, sessionId, [{ type: "approval-request", requestId: "r2", toolName: "Bash", input: { command: "rm -rf build" } }]);
    const second = await eventually(async () => (await pendingApprovalIds(seed.userToken)).find((id) => id !== first) ?? null);
    const started = await api("/api/pipelines/runs", seed.userToken, {
      method: "POST",
      json: { pipeline: { name: "frames", steps: { a: { prompt: "pipeline step", cwd: "/tmp" } } } },
    });
    const runId = (await started.json<RunView>()).id;
    const step = await link.next((f) => f.type === "launch" && (f.order as { spec: { prompt: string } }).spec.prompt === "pipeline step", 15_000);
    const order = step.order as { sessionId: string; runId: string };
    link.send({ type: "launch-ack", runId: order.runId });
    const outcome = {
      kind: "success",
      result: "the step's private result",
      costUsd: 0.01,
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      numTurns: 1,
      durationMs: 5,
    };
    await agentSays(seed, order.sessionId, [
      { type: "run-started", runId: order.runId },
      { type: "run-ended", runId: order.runId, outcome },
    ]);
    const isDone = (f: Record<string, unknown>) => f.type === "pipeline-upsert" && (f.run as RunView).id === runId && (f.run as RunView).status === "succeeded";
    await eventually(
      async () => hubs.admin.frames.some((f) => f.type === "approval-upsert" && (f.approval as { id: string }).id === second) && hubs.admin.frames.some(isDone),
      20_000,
    );
    // A barrier every member receives: the hub sends in order, so what came before it has arrived.
    link.close();
    const offline = (f: Record<string, unknown>) => f.type === "agent-presence" && (f.agent as { online: boolean }).online === false;
    for (const c of CALLERS) if (c !== "otherWorkspace") await hubs[c].next(offline, 5000);

    for (const c of CALLERS) {
      const frames = hubs[c].frames;
      const token = tokens[c];
      const hello = frames.find((f) => f.type === "hello") as { approvals: { id: string }[]; agents: { id: string }[] };
      const approvals = await pendingApprovalIds(token);
      const agents = (await (await api("/api/agents", token)).json<{ agents?: { id: string }[] }>()).agents?.map((a) => a.id) ?? [];
      const sessionStatus = (await api(`/api/sessions/${sessionId}`, token)).status;
      const runRes = await api(`/api/pipelines/runs/${runId}`, token);
      const run = runRes.status === 200 ? await runRes.json<RunView>() : null;

      const got = {
        helloApproval: hello.approvals.some((a) => a.id === first),
        helloAgents: hello.agents.map((a) => a.id).sort(),
        sessionUpsert: frames.some((f) => f.type === "session-upsert" && (f.session as { id: string }).id === sessionId),
        approvalUpsert: frames.some((f) => f.type === "approval-upsert" && (f.approval as { id: string }).id === second),
        agentPresence: frames.some((f) => f.type === "agent-presence" && (f.agent as { id: string }).id === seed.agentId),
        pipelineResult: (frames.filter((f) => f.type === "pipeline-upsert" && (f.run as RunView).id === runId).at(-1)?.run as RunView | undefined)?.steps[0]
          ?.result,
      };
      const http = {
        helloApproval: approvals.includes(first!),
        helloAgents: [...agents].sort(),
        sessionUpsert: sessionStatus === 200,
        approvalUpsert: approvals.includes(second),
        agentPresence: agents.includes(seed.agentId),
        pipelineResult: run?.steps[0]?.result,
      };
      expect(got, `frames for ${c}`).toEqual(http);
    }
    // The table above must not pass vacuously: the rule lets some callers see and keeps others out.
    expect(hubs.collaborator.frames.some((f) => f.type === "approval-upsert")).toBe(true);
    expect(hubs.viewer.frames.some((f) => f.type === "session-upsert" && (f.session as { id: string }).id === sessionId)).toBe(false);
    for (const c of CALLERS) hubs[c].close();
  });
});
