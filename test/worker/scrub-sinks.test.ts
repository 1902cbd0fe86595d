/**
 * Secrets pushed through the agent (a run's result and error) and through a person's edited approval
 * input, read back from every place they could land: the session API, the event log, D1's rows, the
 * workspace hub's frames, the room's own storage and the search index. Also the agent's path for a
 * hostile nesting, which must still be acknowledged.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentEnvelope, AgentEvent } from "../../worker/protocol/agent";
import { agentRunning, api, eventually, openSocket, seedWorkspace, type Seed, type Socket } from "./helpers";

let n = 0;
const envelope = (event: AgentEvent): AgentEnvelope => ({ id: `sink-${++n}`, at: Date.now(), event });
const PAT = "ghp_1234567890abcdefghijABCDEFGHIJ123456";
const PASSWORD = "hunter2-Sekrit-99";
const outcome = { costUsd: 0.1, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 1, durationMs: 5 };

/** A launched session whose agent has started the run; the hub socket was open before the launch. */
async function started(seed: Seed, prompt: string): Promise<{ id: string; runId: string; agent: Socket; hub: Socket; link: Socket }> {
  const hub = await openSocket("/api/workspace/live", seed.userToken);
  await hub.next((f) => f.type === "hello");
  const link = await openSocket("/api/agents/connect", seed.agentToken);
  link.send({ type: "hello", machine: { name: seed.agentName, hostname: "h" }, running: [] });
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt, cwd: "/work" } });
  expect(res.status).toBe(201);
  const { id } = await res.json<{ id: string }>();
  const launch = await link.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === id);
  const runId = (launch.order as { runId: string }).runId;
  return { id, runId, agent: await agentRunning(seed, id, runId), hub, link };
}

/** Everything the product keeps or shows about a session, as one text. */
async function everySink(seed: Seed, id: string, hub: Socket): Promise<Record<string, string>> {
  const sql = (q: string) =>
    env.DB.prepare(q)
      .bind(id)
      .all()
      .then((r) => JSON.stringify(r.results));
  const room = await runInDurableObject(env.SessionRoom.getByName(id), async (_i, state) =>
    JSON.stringify(["room_meta", "room_events", "room_approvals"].map((t) => state.storage.sql.exec(`SELECT * FROM ${t}`).toArray())),
  );
  return {
    session: await (await api(`/api/sessions/${id}`, seed.userToken)).text(),
    events: await (await api(`/api/sessions/${id}/events`, seed.userToken)).text(),
    approvals: await (await api(`/api/approvals?session=${id}`, seed.userToken)).text(),
    d1Session: await sql("SELECT * FROM sessions WHERE id = ?"),
    d1Approvals: await sql("SELECT * FROM approvals WHERE session_id = ?"),
    hub: JSON.stringify(hub.frames),
    room,
  };
}

function expectNoSecret(sinks: Record<string, string>, ...secrets: string[]) {
  for (const [where, text] of Object.entries(sinks)) for (const secret of secrets) expect(text, `${where} holds ${secret}`).not.toContain(secret);
}

describe("security: secrets reach no sink in clear", () => {
  it("scrubs a run's result and error everywhere: API, events, D1, hub, room storage, search and similar sessions", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("sinks");
    const { id, runId, agent, hub } = await started(seed, "quokka deploy");
    agent.send({
      type: "agent-events",
      events: [
        envelope({ type: "sdk-message", message: { type: "result", subtype: "error_during_execution", result: `quokka pushed with ${PAT}`, usage: {} } }),
        envelope({
          type: "run-ended",
          runId,
          outcome: { kind: "error", result: `quokka pushed with ${PAT}`, error: `git failed: DB_PASSWORD=${PASSWORD}`, ...outcome },
        }),
      ],
    });
    await agent.next((f) => f.type === "ack");
    await hub.next((f) => f.type === "session-upsert" && (f.session as { status: string }).status === "failed");
    const sinks = await everySink(seed, id, hub);
    expectNoSecret(sinks, PAT, PASSWORD);
    expect(JSON.parse(sinks.session!)).toMatchObject({
      result: "quokka pushed with [REDACTED:github-token]",
      statusReason: expect.stringContaining("[REDACTED:secret]"),
    });
    expect(sinks.d1Session).toContain("[REDACTED:github-token]");

    const found = await eventually(async () => {
      const r = await (await api(`/api/search?${new URLSearchParams({ q: "quokka", mode: "text", kind: "result" })}`, seed.userToken)).text();
      return r.includes(id) ? r : null;
    }, 15_000);
    const similar = await (await api("/api/search/similar", seed.userToken, { method: "POST", json: { prompt: "quokka deploy" } })).text();
    const fts = JSON.stringify((await env.DB.prepare("SELECT text FROM search_fts WHERE text LIKE '%quokka%'").all()).results);
    expectNoSecret({ found, similar, fts }, PAT, PASSWORD);
    expect(similar).toContain(id);
  });

  it("scrubs an edited approval input everywhere while the agent gets the edit as written", async () => {
    const seed = await seedWorkspace("edits");
    const { id, agent, hub } = await started(seed, "edit a command");
    agent.send({
      type: "agent-events",
      events: [envelope({ type: "approval-request", requestId: "req-e", toolName: "Bash", toolUseId: "tu-e", input: { command: "git push" } })],
    });
    await agent.next((f) => f.type === "ack");
    const approvalId = (await hub.next((f) => f.type === "approval-upsert")).approval as { id: string; inputSha256: string };
    const edit = { command: `GH_TOKEN=${PAT} git push` };
    const res = await api(`/api/approvals/${approvalId.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", inputSha256: approvalId.inputSha256, updatedInput: edit },
    });
    expect(res.status).toBe(200);
    const decided = await res.text();
    expect(await agent.next((f) => f.type === "decision")).toEqual({ type: "decision", requestId: "req-e", answer: { behavior: "allow", updatedInput: edit } });
    await hub.next((f) => f.type === "approval-upsert" && (f.approval as { status: string }).status === "approved");
    const sinks = await everySink(seed, id, hub);
    delete sinks.room; // the room keeps the edit as written until the run ends, for an agent that missed the decision
    const audit = await (await api("/api/audit", seed.userToken)).text();
    expectNoSecret({ ...sinks, decided, audit }, PAT);
    expect(JSON.parse(decided)).toMatchObject({ updatedInput: { command: "GH_TOKEN=[REDACTED:github-token] git push" } });

    // A reconnecting agent that missed the decision gets the edit as written.
    agent.send({ type: "resync", runId: null, waiting: ["req-e"] });
    expect(await agent.next((f) => f.type === "decision")).toMatchObject({ answer: { updatedInput: edit } });
  });

  it("still refuses an edit that carries a redaction marker", async () => {
    const seed = await seedWorkspace("marker");
    const { agent, hub } = await started(seed, "marker");
    agent.send({
      type: "agent-events",
      events: [envelope({ type: "approval-request", requestId: "req-m", toolName: "Bash", input: { command: `echo ${PAT}` } })],
    });
    await agent.next((f) => f.type === "ack");
    const approval = (await hub.next((f) => f.type === "approval-upsert")).approval as { id: string; inputSha256: string; input: { command: string } };
    expect(approval.input.command).toBe("echo [REDACTED:github-token]");
    const res = await api(`/api/approvals/${approval.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", inputSha256: approval.inputSha256, updatedInput: approval.input },
    });
    expect(res.status).toBe(400);
  });
});

describe("security: hostile nesting", () => {
  it("acknowledges a 20,000-level SDK message and stores it cut at the depth limit", async () => {
    const seed = await seedWorkspace("deep");
    const { id, agent } = await started(seed, "deep");
    const depth = 20_000;
    const deep = `${'{"a":'.repeat(depth)}"${PAT}"${"}".repeat(depth)}`;
    agent.send(`{"type":"agent-events","events":[{"id":"deep-1","at":1,"event":{"type":"sdk-message","message":{"type":"user","nested":${deep}}}}]}`);
    expect(await agent.next((f) => f.type === "ack")).toEqual({ type: "ack", ids: ["deep-1"] });
    const events = await (await api(`/api/sessions/${id}/events`, seed.userToken)).text();
    expect(events).toContain("[REDACTED:too-deep]");
    expect(events).not.toContain(PAT);
  });

  it("acknowledges a 20,000-level approval input and denies it, since nobody could review it", async () => {
    const seed = await seedWorkspace("deep-approval");
    const { agent } = await started(seed, "deep approval");
    const depth = 20_000;
    const deep = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    agent.send(
      `{"type":"agent-events","events":[{"id":"deep-2","at":1,"event":{"type":"approval-request","requestId":"rq-deep","toolName":"Bash","input":{"x":${deep}}}}]}`,
    );
    expect(await agent.next((f) => f.type === "decision")).toMatchObject({ requestId: "rq-deep", answer: { behavior: "deny" } });
    expect(await agent.next((f) => f.type === "ack")).toEqual({ type: "ack", ids: ["deep-2"] });
  });
});
