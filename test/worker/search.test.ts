/**
 * Search in workerd: sessions indexed through the real queue consumer (as wrangler.toml binds it),
 * every filter, workspace isolation and session visibility on every search path, per-message
 * retries and dead-lettering, idempotent backfill, and bad input refused with the envelope.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { makeDb } from "../../worker/db/client";
import { putGrant } from "../../worker/db/grants";
import { DEAD_LETTER_QUEUE, handleQueue, INDEX_QUEUE } from "../../worker/search/queue";
import { api, eventually, memberWith, openSocket, seedWorkspace, type Seed } from "./helpers";

type Results = { results: { sessionId: string; foundBy: string[]; match: { seq: number; kind: string; toolName: string | null; snippet: string } }[] };

let n = 0;
/** A session that ran: prompt, assistant text, an Edit and a Bash call with its result, and a final result. */
async function ranSession(
  seed: Seed,
  opts: { token?: string; prompt: string; reply: string; file?: string; cwd?: string; extra?: Record<string, unknown>[]; ended?: boolean },
): Promise<string> {
  const created = await api("/api/sessions", opts.token ?? seed.userToken, { method: "POST", json: { prompt: opts.prompt, cwd: opts.cwd ?? "/src/app" } });
  expect(created.status).toBe(201);
  const { id } = await created.json<{ id: string }>();
  const link = await openSocket("/api/agents/connect", seed.agentToken);
  link.send({ type: "hello", machine: { name: seed.agentName, hostname: "h" }, running: [] });
  const launch = await link.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === id);
  const runId = (launch.order as { runId: string }).runId;
  const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
  const ev = (event: unknown) => ({ id: `e${++n}`, at: Date.now(), event });
  const msg = (message: unknown) => ev({ type: "sdk-message", message });
  agent.send({
    type: "agent-events",
    events: [
      ev({ type: "run-started", runId }),
      msg({ type: "system", subtype: "init", session_id: `claude-${n}` }),
      msg({
        type: "assistant",
        message: {
          content: [
            { type: "text", text: opts.reply },
            { type: "tool_use", id: `tu${n}`, name: "Edit", input: { file_path: opts.file ?? "/src/app/login.ts", old_string: "a", new_string: "b" } },
          ],
        },
      }),
      msg({
        type: "user",
        message: { content: [{ type: "tool_result", tool_use_id: `tu${n}`, content: "The file has been updated." }] },
        tool_use_result: { filePath: opts.file ?? "/src/app/login.ts", oldString: "a", newString: "b" },
      }),
      ...(opts.extra ?? []).map(msg),
      msg({ type: "assistant", message: { content: [{ type: "tool_use", id: `tb${n}`, name: "Bash", input: { command: "npm test -- login" } }] } }),
      msg({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: `tb${n}`, content: "Tests: 12 passed, 0 failed" }] } }),
      msg({ type: "result", subtype: "success", result: `Done: ${opts.reply}`, total_cost_usd: 0.12, usage: {}, num_turns: 2 }),
      ...(opts.ended
        ? [
            ev({
              type: "run-ended",
              runId,
              outcome: {
                kind: "success",
                costUsd: 0.12,
                inputTokens: 1,
                outputTokens: 1,
                cacheReadTokens: 0,
                cacheCreationTokens: 0,
                numTurns: 2,
                durationMs: 1,
              },
            }),
          ]
        : []),
    ],
  });
  await agent.next((f) => f.type === "ack");
  agent.close();
  link.close();
  return id;
}

async function search(token: string, query: Record<string, string>): Promise<Response> {
  return api(`/api/search?${new URLSearchParams(query)}`, token);
}

/** Waits until the indexer has the session's final result (the last event it was sent). */
async function indexed(seed: Seed, word: string, sessionId: string): Promise<void> {
  await eventually(async () => {
    const r = await (await search(seed.userToken, { q: word, mode: "text", kind: "result" })).json<Results>();
    return r.results?.some((x) => x.sessionId === sessionId);
  }, 15_000);
}

describe("happy", () => {
  it("indexes a session through the queue and finds it by words, by meaning and both, with the event and a highlight", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("search");
    const id = await ranSession(seed, { prompt: "The zanzibar login test is flaky on CI", reply: "Fixed the zanzibar race in the session cookie refresh" });
    await indexed(seed, "zanzibar", id);
    const text = await (await search(seed.userToken, { q: "zanzibar cookie", mode: "text" })).json<Results>();
    expect(text.results[0]).toMatchObject({ sessionId: id, foundBy: ["text"], match: { kind: "assistant" } });
    expect(text.results[0]!.match.snippet).toContain("<mark>zanzibar</mark>");
    expect(text.results[0]!.match.seq).toBeGreaterThan(0);
    const semantic = await (await search(seed.userToken, { q: "authentication tests fail intermittently", mode: "semantic" })).json<Results>();
    expect(semantic.results[0]?.sessionId).toBe(id);
    const hybrid = await (await search(seed.userToken, { q: "zanzibar flaky" })).json<Results>();
    expect(hybrid.results[0]).toMatchObject({ sessionId: id });
    expect(hybrid.results[0]!.foundBy).toEqual(["text", "semantic"]);
    const phrase = await (await search(seed.userToken, { q: '"session cookie"', mode: "text" })).json<Results>();
    expect(phrase.results.map((r) => r.sessionId)).toEqual([id]);
    const prefix = await (await search(seed.userToken, { q: "zanz*", mode: "text" })).json<Results>();
    expect(prefix.results.map((r) => r.sessionId)).toEqual([id]);
  });

  it("lists as changed only files a successful tool call changed, not writes that were denied or never ran", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("changed");
    const write = (id: string, file: string) => ({
      type: "assistant",
      message: { content: [{ type: "tool_use", id, name: "Write", input: { file_path: file, content: "x" } }] },
    });
    const id = await ranSession(seed, {
      prompt: "Fix the numbat invoice rounding",
      reply: "Rounded the numbat invoice totals",
      file: "/src/app/invoice.ts",
      extra: [
        // Denied: Claude Code answers the tool call with an error and never writes.
        write("denied", "/src/app/denied.ts"),
        {
          type: "user",
          message: { content: [{ type: "tool_result", tool_use_id: "denied", content: "No, not that file", is_error: true }] },
          tool_use_result: "Error: No, not that file",
        },
        // Interrupted while it waited for approval: rejected, and the run stopped.
        write("stopped", "/src/app/stopped.ts"),
        {
          type: "user",
          message: {
            content: [{ type: "tool_result", tool_use_id: "stopped", content: "The user doesn't want to proceed with this tool use.", is_error: true }],
          },
        },
        // Asked, never answered (the session ended first).
        write("unanswered", "/src/app/unanswered.ts"),
      ],
    });
    await indexed(seed, "numbat", id);
    const r = await (await api("/api/search/similar", seed.userToken, { method: "POST", json: { prompt: "numbat invoice rounding" } })).json<{
      sessions: { sessionId: string; changedFiles: string[] }[];
    }>();
    expect(r.sessions.find((s) => s.sessionId === id)?.changedFiles).toEqual(["/src/app/invoice.ts"]);
  });

  it("applies the tool, kind, status, cwd, agent, author and date filters", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("filters");
    const id = await ranSession(seed, { prompt: "quokka migration for the billing table", reply: "Wrote the quokka migration", cwd: "/repo/billing" });
    await indexed(seed, "quokka", id);
    const ids = async (q: Record<string, string>) =>
      (await (await search(seed.userToken, { q: "quokka", mode: "text", ...q })).json<Results>()).results.map((r) => r.sessionId);
    const bash = await (await search(seed.userToken, { q: "npm", mode: "text", tool: "Bash" })).json<Results>();
    expect(bash.results[0]?.match).toMatchObject({ kind: "tool-call", toolName: "Bash" });
    expect(await ids({ tool: "Read" })).toEqual([]);
    expect(await ids({ kind: "prompt" })).toEqual([id]);
    expect(await ids({ status: "running" })).toEqual([id]);
    expect(await ids({ status: "completed,failed" })).toEqual([]);
    expect(await ids({ cwd: "/repo" })).toEqual([id]);
    expect(await ids({ cwd: "/rep" })).toEqual([]);
    expect(await ids({ agent: seed.agentName })).toEqual([id]);
    expect(await ids({ agent: "another-machine" })).toEqual([]);
    expect(await ids({ author: seed.userId })).toEqual([id]);
    expect(await ids({ author: "usr_00000000000000000000" })).toEqual([]);
    expect(await ids({ from: "2000-01-01", to: "2001-01-01" })).toEqual([]);
    expect(await ids({ from: String(Date.now() - 3_600_000) })).toEqual([id]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids({ from: today, to: today })).toEqual([id]);
  });

  it("answers 'solved before' for a prompt and for a session, with outcome and changed files", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("similar");
    const id = await ranSession(seed, {
      prompt: "Fix the wombat checkout crash when the cart is empty",
      reply: "Guarded the empty wombat cart",
      file: "/src/app/checkout.ts",
    });
    const other = await ranSession(seed, { prompt: "wombat checkout crashes with an empty cart again", reply: "Same guard in the wombat cart API" });
    await indexed(seed, "wombat", id);
    await indexed(seed, "wombat", other);
    const r = await (await api("/api/search/similar", seed.userToken, { method: "POST", json: { prompt: "checkout crash with empty wombat cart" } })).json<{
      sessions: { sessionId: string; changedFiles: string[]; result: string | null; costUsd: number }[];
    }>();
    const mine = r.sessions.find((s) => s.sessionId === id)!;
    expect(mine.changedFiles).toEqual(["/src/app/checkout.ts"]);
    expect(mine.result).toContain("Guarded");
    const like = await (await api(`/api/sessions/${id}/similar`, seed.userToken)).json<{ sessions: { sessionId: string }[] }>();
    expect(like.sessions.map((s) => s.sessionId)).toContain(other);
    expect(like.sessions.map((s) => s.sessionId)).not.toContain(id);
  });

  it("keeps secrets scrubbed in the index", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("secrets");
    const key = `sk-ant-api03-${"A".repeat(40)}`;
    const id = await ranSession(seed, { prompt: `use numbat with ANTHROPIC_API_KEY=${key}`, reply: `numbat configured with key ${key}` });
    await indexed(seed, "numbat", id);
    const r = await (await search(seed.userToken, { q: "numbat", mode: "text", limit: "50" })).json<Results>();
    expect(JSON.stringify(r)).not.toContain("A".repeat(40));
    const raw = await env.DB.prepare("SELECT text FROM search_fts WHERE text LIKE ?").bind("%numbat%").all<{ text: string }>();
    expect(raw.results.length).toBeGreaterThan(0);
    for (const row of raw.results) expect(row.text).not.toContain("A".repeat(40));
    expect(raw.results.some((row) => row.text.includes("[REDACTED:"))).toBe(true);
  });

  it("re-indexes a workspace by backfill, and a second backfill changes nothing", { timeout: 40_000 }, async () => {
    const seed = await seedWorkspace("backfill");
    const id = await ranSession(seed, { prompt: "platypus cache invalidation", reply: "platypus cache keys now carry the version" });
    await indexed(seed, "platypus", id);
    const stats = async () => (await api("/api/search/stats", seed.userToken)).json<{ documents: number; vectors: number; sessions: number }>();
    const before = await stats();
    // Lose the index, as after a restore: the backfill must rebuild exactly the same documents.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE workspace_id = ?)").bind(seed.workspaceId),
      env.DB.prepare("DELETE FROM search_vectors WHERE workspace_id = ?").bind(seed.workspaceId),
      env.DB.prepare("DELETE FROM search_docs WHERE workspace_id = ?").bind(seed.workspaceId),
    ]);
    expect((await stats()).documents).toBe(0);
    const first = await api("/api/search/backfill", seed.userToken, { method: "POST" });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ sessions: 1, jobs: 1 });
    await eventually(async () => (await stats()).documents === before.documents, 15_000);
    // The second backfill's jobs are taken off the queue and run here, so the test knows they ran before it looks.
    const sent: MessageSendRequest[] = [];
    const send = vi.spyOn(env.SEARCH_QUEUE, "sendBatch").mockImplementation(async (messages) => {
      sent.push(...messages);
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    });
    const stamp = async () =>
      (await env.DB.prepare("SELECT COALESCE(MAX(stamp), 0) AS s FROM search_vectors WHERE workspace_id = ?").bind(seed.workspaceId).first<{ s: number }>())!.s;
    const stampBefore = await stamp();
    try {
      expect((await api("/api/search/backfill", seed.userToken, { method: "POST" })).status).toBe(202);
    } finally {
      send.mockRestore();
    }
    expect(sent.map((m) => m.body)).toEqual([{ workspaceId: seed.workspaceId, sessionId: id, after: 0, upTo: null }]);
    const again = createMessageBatch(
      INDEX_QUEUE,
      sent.map((m, i) => ({ id: `again-${i}`, timestamp: new Date(), attempts: 1, body: m.body })),
    );
    const ctx = createExecutionContext();
    await handleQueue(again, env);
    expect((await getQueueResult(again, ctx)).explicitAcks).toEqual(["again-0"]);
    expect(await stamp()).toBeGreaterThan(stampBefore); // it wrote the session's documents again...
    expect(await stats()).toEqual(before); // ...and they are the same documents
    const texts = await env.DB.prepare("SELECT COUNT(*) AS n FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE workspace_id = ?)")
      .bind(seed.workspaceId)
      .first<{ n: number }>();
    expect(texts?.n).toBe(before.documents);
  });
});

describe("security", () => {
  it("never shows another workspace's sessions on any search path", { timeout: 30_000 }, async () => {
    const a = await seedWorkspace("iso-a");
    const b = await seedWorkspace("iso-b");
    const id = await ranSession(a, { prompt: "capybara deploy pipeline broke", reply: "capybara pipeline fixed" });
    await indexed(a, "capybara", id);
    for (const mode of ["text", "semantic", "hybrid"]) {
      const r = await (await search(b.userToken, { q: "capybara deploy pipeline", mode })).json<Results>();
      expect(r.results, mode).toEqual([]);
    }
    const similar = await (await api("/api/search/similar", b.userToken, { method: "POST", json: { prompt: "capybara deploy pipeline broke" } })).json<{
      sessions: unknown[];
    }>();
    expect(similar.sessions).toEqual([]);
    expect((await api(`/api/sessions/${id}/similar`, b.userToken)).status).toBe(404);
  });

  it("shows a member only the sessions they may see, as the session list does", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("visibility");
    const author = await memberWith(seed, "member", "author");
    const id = await ranSession(seed, { token: author.token, prompt: "axolotl websocket reconnect storm", reply: "axolotl backoff added" });
    await indexed(seed, "axolotl", id);
    const other = await memberWith(seed, "member", "other");
    for (const mode of ["text", "semantic", "hybrid"]) {
      expect((await (await search(other.token, { q: "axolotl reconnect", mode })).json<Results>()).results, mode).toEqual([]);
      expect((await (await search(author.token, { q: "axolotl reconnect", mode })).json<Results>()).results[0]?.sessionId, mode).toBe(id);
    }
    await putGrant(makeDb(env.DB), seed.workspaceId, id, { principal: `user:${other.userId}`, role: "viewer", grantedBy: "test", createdAt: Date.now() });
    expect((await (await search(other.token, { q: "axolotl reconnect" })).json<Results>()).results[0]?.sessionId).toBe(id);
  });

  it("offers Continue only on a session that has stopped and that the caller may act on", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("can-continue");
    const author = await memberWith(seed, "member", "author");
    const ended = await ranSession(seed, { token: author.token, prompt: "echidna cache stampede", reply: "echidna lock added", ended: true });
    const running = await ranSession(seed, { token: author.token, prompt: "echidna cache stampede again", reply: "echidna lock widened" });
    await indexed(seed, "echidna", ended);
    await indexed(seed, "echidna", running);
    const viewer = await memberWith(seed, "member", "viewer");
    await putGrant(makeDb(env.DB), seed.workspaceId, ended, { principal: `user:${viewer.userId}`, role: "viewer", grantedBy: "test", createdAt: Date.now() });
    const offers = async (token: string) => {
      const r = await (await api("/api/search/similar", token, { method: "POST", json: { prompt: "echidna cache stampede" } })).json<{
        sessions: { sessionId: string; canContinue: boolean }[];
      }>();
      return Object.fromEntries(r.sessions.map((x) => [x.sessionId, x.canContinue]));
    };
    expect(await offers(author.token)).toEqual({ [ended]: true, [running]: false });
    expect(await offers(viewer.token)).toEqual({ [ended]: false });
  });

  it("keeps a job that names another workspace out of the index", async () => {
    const a = await seedWorkspace("job-a");
    const b = await seedWorkspace("job-b");
    const created = await (await api("/api/sessions", a.userToken, { method: "POST", json: { prompt: "pangolin", cwd: "/x" } })).json<{ id: string }>();
    const batch = createMessageBatch(INDEX_QUEUE, [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { workspaceId: b.workspaceId, sessionId: created.id, after: 0, upTo: null } },
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM search_docs WHERE workspace_id = ?").bind(b.workspaceId).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
  it("writes the title's document only when a job asks for it (the room leaves it out while the title is unchanged)", async () => {
    const seed = await seedWorkspace("title-doc");
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "narwhal title", cwd: "/x" } })).json<{ id: string }>();
    const titleDocs = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM search_docs WHERE session_id = ? AND kind = 'title'").bind(id).first<{ n: number }>())?.n;
    // The room's own first job (title included) lands first; after it, nothing else indexes this session.
    await eventually(async () => (await titleDocs()) === 1, 15_000);
    await env.DB.prepare("DELETE FROM search_docs WHERE session_id = ?").bind(id).run();
    const run = async (body: Record<string, unknown>) => {
      const batch = createMessageBatch(INDEX_QUEUE, [
        { id: "t", timestamp: new Date(), attempts: 1, body: { workspaceId: seed.workspaceId, sessionId: id, after: 0, upTo: null, ...body } },
      ]);
      const ctx = createExecutionContext();
      await handleQueue(batch, env);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["t"]);
    };
    await run({ withTitle: false });
    expect(await titleDocs()).toBe(0);
    await run({});
    expect(await titleDocs()).toBe(1);
  });
});

describe("long sessions", () => {
  it("indexes a session longer than one indexing job (500 events), in several jobs, down to its last event", { timeout: 60_000 }, async () => {
    const seed = await seedWorkspace("long");
    const created = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "long haul", cwd: "/src/app" } });
    const { id } = await created.json<{ id: string }>();
    const link = await openSocket("/api/agents/connect", seed.agentToken);
    link.send({ type: "hello", machine: { name: seed.agentName, hostname: "h" }, running: [] });
    const launch = await link.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === id);
    const runId = (launch.order as { runId: string }).runId;
    const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
    const text = (word: string) => ({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: word }] } } });
    const events = [{ type: "run-started", runId }, ...Array.from({ length: 1198 }, (_, i) => text(`filler ${i}`)), text("quokkafinale")];
    for (let i = 0; i < events.length; i += 200) {
      agent.send({ type: "agent-events", events: events.slice(i, i + 200).map((event, j) => ({ id: `long-${i + j}`, at: Date.now(), event })) });
      await agent.next((f) => f.type === "ack" && (f.ids as string[]).includes(`long-${i}`));
    }
    await eventually(async () => {
      const r = await (await search(seed.userToken, { q: "quokkafinale", mode: "text" })).json<Results>();
      return r.results?.some((x) => x.sessionId === id && x.match.seq > 1000);
    }, 45_000);
    agent.close();
    link.close();
  });
});

describe("errors", () => {
  it("acks good jobs and retries only the failing one in a batch", async () => {
    const seed = await seedWorkspace("retry");
    const { id } = await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "okapi", cwd: "/x" } })).json<{ id: string }>();
    const batch = createMessageBatch(INDEX_QUEUE, [
      { id: "good", timestamp: new Date(), attempts: 1, body: { workspaceId: seed.workspaceId, sessionId: id, after: 0, upTo: null } },
      // A session whose room has never been created: reading it fails, so the job is retried.
      {
        id: "missing",
        timestamp: new Date(),
        attempts: 1,
        body: { workspaceId: seed.workspaceId, sessionId: "ses_00000000000000000000", after: 0, upTo: null },
      },
      { id: "garbage", timestamp: new Date(), attempts: 1, body: { hello: "world" } },
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.outcome).toBe("ok");
    expect(result.retryBatch.retry).toBe(false);
    expect(result.explicitAcks.sort()).toEqual(["garbage", "good"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["missing"]);
  });

  it("sends a job that fails every retry to the dead-letter queue, which records it", { timeout: 30_000 }, async () => {
    const seed = await seedWorkspace("dlq");
    const ghost = "ses_0000000000000000dead";
    await env.SEARCH_QUEUE.send({ workspaceId: seed.workspaceId, sessionId: ghost, after: 0, upTo: null });
    const row = await eventually(
      () =>
        env.DB.prepare("SELECT session_id AS sessionId, attempts FROM search_dead_letters WHERE workspace_id = ?")
          .bind(seed.workspaceId)
          .first<{ sessionId: string; attempts: number }>(),
      20_000,
    );
    expect(row.sessionId).toBe(ghost);
    expect((await (await api("/api/search/stats", seed.userToken)).json<{ deadLetters: number }>()).deadLetters).toBe(1);
  });

  it("records dead letters delivered to the dead-letter consumer", async () => {
    const seed = await seedWorkspace("dlq-direct");
    const batch = createMessageBatch(DEAD_LETTER_QUEUE, [
      { id: "d1", timestamp: new Date(), attempts: 3, body: { workspaceId: seed.workspaceId, sessionId: "ses_00000000000000000001", after: 0, upTo: 4 } },
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    const row = await env.DB.prepare("SELECT attempts FROM search_dead_letters WHERE workspace_id = ?").bind(seed.workspaceId).first<{ attempts: number }>();
    expect(row?.attempts).toBe(3);
  });

  it.each([
    ["an empty query", "q="],
    ["a missing query", ""],
    ["only punctuation", "q=%22%22%20*%20()"],
    ["a bad date", "q=x&from=2026-13-45"],
    ["a date range the wrong way round", "q=x&from=2026-02-01&to=2026-01-01"],
    ["epoch milliseconds too long to be a date", "q=x&to=1234567890123456"],
    ["an unknown mode", "q=x&mode=fuzzy"],
    ["an unknown status", "q=x&status=done"],
  ])("refuses %s with the 400 envelope", async (_what, qs) => {
    const seed = await seedWorkspace("bad");
    const res = await api(`/api/search?${qs}`, seed.userToken);
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string; requestId: string } }>();
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.requestId).toBeTruthy();
  });

  it("documents the search routes in the OpenAPI document", async () => {
    const seed = await seedWorkspace("openapi");
    const doc = await (await api("/api/openapi.json", seed.userToken)).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/search", "/api/search/similar", "/api/search/backfill", "/api/search/stats", "/api/sessions/{id}/similar"]),
    );
  });

  it("refuses an empty similar prompt and a backfill by a non-admin", async () => {
    const seed = await seedWorkspace("bad-similar");
    expect((await api("/api/search/similar", seed.userToken, { method: "POST", json: { prompt: "  " } })).status).toBe(400);
    const member = await memberWith(seed, "member");
    expect((await api("/api/search/backfill", member.token, { method: "POST" })).status).toBe(403);
  });
});
