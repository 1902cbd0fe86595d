/**
 * The session list's cost in D1 (issue 15: a page of 1,000 sessions at ≤ 1.2× /api/health): a page is
 * one query whatever its size, so a list request asks D1 for what /api/health asks plus one round trip.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../worker/app";
import { makeDb } from "../../worker/db/client";
import { upsertSessionSummary } from "../../worker/db/sessions";
import { SessionSummary } from "../../worker/protocol/session";
import { newId } from "../../worker/protocol/ids";
import { countingD1 } from "./d1-counter";
import { seedWorkspace, type Seed } from "./helpers";

function summary(seed: Seed, i: number): SessionSummary {
  return SessionSummary.parse({
    id: newId("ses"),
    workspaceId: seed.workspaceId,
    agentId: seed.agentId,
    agentName: seed.agentName,
    ownerId: seed.userId,
    title: `session ${i}`,
    prompt: `bench session ${i}`,
    cwd: "/tmp",
    model: null,
    status: "queued",
    statusReason: "",
    archived: false,
    parentSessionId: null,
    claudeSessionId: null,
    messageCount: 0,
    toolCallCount: 0,
    pendingApprovals: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    numTurns: 0,
    lastSeq: 0,
    result: null,
    createdAt: 1_000 + i,
    updatedAt: 1_000 + i,
    endedAt: null,
    templateId: null,
    templateVersion: null,
    templateParams: { n: i },
    pipelineRunId: null,
    pipelineStepId: null,
  });
}

async function counted(path: string, token: string) {
  const { db, count } = countingD1();
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://tower.test${path}`, { headers: { authorization: `Bearer ${token}` } }), { ...env, DB: db }, ctx);
  const body = (await res.json()) as { sessions?: unknown[] };
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  return { count, body };
}

describe("happy", () => {
  it("asks D1 for one round trip more than /api/health for a page of 1, 50 or 200 of 1,000 sessions", async () => {
    const seed = await seedWorkspace();
    const db = makeDb(env.DB);
    const rows = Array.from({ length: 1000 }, (_, i) => upsertSessionSummary(db, summary(seed, i)));
    for (let i = 0; i < rows.length; i += 100) await db.batch(rows.slice(i, i + 100) as [(typeof rows)[0], ...(typeof rows)[0][]]);
    const health = (await counted("/api/health", seed.userToken)).count;
    // The credential is looked up in D1 on every request: the floor itself is one round trip.
    expect(health).toEqual({ roundTrips: 1, statements: 1 });
    for (const limit of [1, 50, 200]) {
      const { count, body } = await counted(`/api/sessions?limit=${limit}`, seed.userToken);
      expect(body.sessions).toHaveLength(limit);
      expect(count).toEqual({ roundTrips: health.roundTrips + 1, statements: health.statements + 1 });
    }
  });
});
