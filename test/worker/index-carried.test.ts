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

function batchOf(...bodies: unknown[]): { batch: MessageBatch<unknown>; outcome: () => string; outcomes: () => string[] } {
  const outcomes = bodies.map(() => "none");
  const messages = bodies.map((body, i) => ({
    id: `m${i + 1}`,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack: () => void (outcomes[i] = "ack"),
    retry: () => void (outcomes[i] = "retry"),
  }));
  const batch = { queue: INDEX_QUEUE, messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
  return { batch, outcome: () => outcomes[0]!, outcomes: () => [...outcomes] };
}

/** A job its room would send for session `sessionId`: a title and one assistant text. */
function carriedJob(workspaceId: string, sessionId: string, word: string) {
  return {
    workspaceId,
    sessionId,
    after: 0,
    upTo: 1,
    carried: {
      title: `${word} session`,
      createdAt: 1,
      events: [
        { seq: 1, at: 1, type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: `fixed the ${word} race` }] } } },
      ],
    },
  };
}

/** env with its D1 binding's batch calls counted (the real database underneath). */
function countingBatches(): { env: Env; batches: () => number } {
  let n = 0;
  const db = env.DB;
  const DB = new Proxy(db, {
    get(target, key) {
      if (key === "batch") return (stmts: D1PreparedStatement[]) => (n++, target.batch(stmts));
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { env: { ...env, DB }, batches: () => n };
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

  it("of several sessions in one batch are written together: one D1 batch for their documents, one for their vectors", async () => {
    const seed = await seedWorkspace();
    const ids = [newId("ses"), newId("ses"), newId("ses")];
    const { batch, outcomes } = batchOf(...ids.map((id, i) => carriedJob(seed.workspaceId, id, `tapir${i}`)));
    const counted = countingBatches();
    await handleQueue(batch, counted.env);
    expect(outcomes()).toEqual(["ack", "ack", "ack"]);
    expect(counted.batches()).toBe(2);
    for (const id of ids) {
      const n = await env.DB.prepare(`SELECT count(*) AS n FROM search_docs WHERE session_id = ?`).bind(id).first<{ n: number }>();
      expect(n?.n, id).toBe(2);
    }
  });

  it("whose shared write fails are written one by one: only the job that fails is retried", async () => {
    const seed = await seedWorkspace();
    const [good1, bad, good2] = [newId("ses"), newId("ses"), newId("ses")];
    // A real fault in the real database: any write of this one session's documents aborts.
    await env.DB.prepare(
      `CREATE TRIGGER fail_one_session BEFORE INSERT ON search_docs WHEN NEW.session_id = '${bad}' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
    ).run();
    try {
      const { batch, outcomes } = batchOf(
        carriedJob(seed.workspaceId, good1, "ibex"),
        carriedJob(seed.workspaceId, bad, "ibex"),
        carriedJob(seed.workspaceId, good2, "ibex"),
      );
      await handleQueue(batch, env);
      expect(outcomes()).toEqual(["ack", "retry", "ack"]);
    } finally {
      await env.DB.prepare(`DROP TRIGGER fail_one_session`).run();
    }
    const count = async (id: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM search_docs WHERE session_id = ?`).bind(id).first<{ n: number }>())?.n;
    expect([await count(good1), await count(bad), await count(good2)]).toEqual([2, 0, 2]);
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
