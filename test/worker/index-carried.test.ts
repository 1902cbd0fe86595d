/**
 * An index job its room sent carries the range's events (issue 15): the consumer indexes them
 * without reading them back from the room, which cost a room wake and a read per job.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleQueue, INDEX_QUEUE } from "../../worker/search/queue";
import { newId } from "../../worker/protocol/ids";
import { envelope, eventually, seedWorkspace, startedSession } from "./helpers";

function batchOf(body: unknown): { batch: MessageBatch<unknown>; outcome: () => string } {
  let outcome = "none";
  const message = { id: "m1", timestamp: new Date(), body, attempts: 1, ack: () => void (outcome = "ack"), retry: () => void (outcome = "retry") };
  const batch = { queue: INDEX_QUEUE, messages: [message], ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
  return { batch, outcome: () => outcome };
}

describe("index jobs that carry their events", () => {
  it("are indexed from the message, without the room (this session's room holds nothing)", async () => {
    const seed = await seedWorkspace();
    const sessionId = newId("ses");
    const job = {
      workspaceId: seed.workspaceId,
      sessionId,
      after: 0,
      upTo: 2,
      carried: {
        title: "carried title",
        createdAt: 1,
        events: [
          { seq: 1, at: 1, type: "user-prompt", prompt: "rotate the signing keys of the staging cluster", by: "u" },
          { seq: 2, at: 2, type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "keys rotated" }] } } },
        ],
      },
    };
    const { batch, outcome } = batchOf(job);
    await handleQueue(batch, env);
    expect(outcome()).toBe("ack");
    const rows = await env.DB.prepare(`SELECT seq, kind FROM search_docs WHERE session_id = ? ORDER BY seq, part`)
      .bind(sessionId)
      .all<{ seq: number; kind: string }>();
    expect(rows.results.map((r) => r.seq)).toEqual([0, 1, 2]);
  });

  it("are what a room sends: its events reach the index with no read back from the room", async () => {
    const seed = await seedWorkspace();
    const { id, agent } = await startedSession(seed);
    const room = env.SessionRoom.getByName(id);
    // RPC calls reach prototype methods only: count this room's reads there, and put it back after.
    const proto = await runInDurableObject(
      room,
      (instance) => Object.getPrototypeOf(instance) as { events(this: { name: string }, a: number, l: number): unknown },
    );
    const events = proto.events;
    const readBack = new Map<string, number>();
    proto.events = function (after, limit) {
      readBack.set(this.name, (readBack.get(this.name) ?? 0) + 1);
      return events.call(this, after, limit);
    };
    try {
      const word = "zephyrquartz";
      agent.send({
        type: "agent-events",
        events: [envelope({ type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: `found the ${word} bug` }] } } })],
      });
      await eventually(async () => {
        const r = await env.DB.prepare(`SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ?`).bind(word).first<{ n: number }>();
        return (r?.n ?? 0) > 0;
      }, 8000);
    } finally {
      proto.events = events;
    }
    expect(readBack.get(id) ?? 0).toBe(0);
  });
});
