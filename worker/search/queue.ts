/**
 * The Queue consumer of indexing jobs, and of its dead-letter queue. A batch's jobs are written
 * together; should that fail, each is written alone, so each message is still acked or retried on
 * its own (throwing would retry the whole batch, acked messages included); a job that fails every
 * retry lands in the dead-letter queue, whose consumer records it for admins.
 */
import { makeDb } from "../db/client";
import { recordDeadLetter } from "../db/search";
import { IndexJob } from "../protocol/search";
import { sessionRoom } from "../rooms";
import { searchDeps } from "./backend";
import type { IndexDoc } from "./documents";
import { jobDocs, writeJobDocs, type RoomReader } from "./indexer";

export const INDEX_QUEUE = "tower-search-index";
export const DEAD_LETTER_QUEUE = "tower-search-index-dlq";

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = makeDb(env.DB);
  if (batch.queue === DEAD_LETTER_QUEUE) {
    for (const msg of batch.messages) {
      const job = IndexJob.safeParse(msg.body);
      try {
        await recordDeadLetter(
          db,
          job.success ? job.data.workspaceId : "",
          job.success ? job.data.sessionId : "",
          JSON.stringify(msg.body ?? null).slice(0, 2000),
          msg.attempts,
          Date.now(),
        );
        msg.ack();
      } catch (e) {
        console.error("search: recording a dead letter failed", e);
        msg.retry();
      }
    }
    return;
  }
  const deps = searchDeps(env, db);
  const ready: { msg: Message<unknown>; job: IndexJob; docs: IndexDoc[] }[] = [];
  for (const msg of batch.messages) {
    const job = IndexJob.safeParse(msg.body);
    if (!job.success) {
      // No retry can fix a malformed job; the log says what it was.
      console.error("search: dropped a malformed index job", job.error.issues.slice(0, 3));
      msg.ack();
      continue;
    }
    try {
      const docs = await jobDocs(roomReader(env, job.data.sessionId), job.data);
      if (typeof docs === "string") {
        console.error(`search: refused index job: ${docs}`);
        msg.ack();
      } else ready.push({ msg, job: job.data, docs });
    } catch (e) {
      failed(msg, job.data, e);
    }
  }
  try {
    await writeJobDocs(deps, ready);
    for (const { msg } of ready) msg.ack();
  } catch (e) {
    // Every write is an upsert: a job written before the failure is written again unchanged.
    console.error(`search: writing ${ready.length} index jobs together failed; writing each alone`, e);
    for (const r of ready) {
      try {
        await writeJobDocs(deps, [r]);
        r.msg.ack();
      } catch (e) {
        failed(r.msg, r.job, e);
      }
    }
  }
}

function failed(msg: Message<unknown>, job: IndexJob, e: unknown): void {
  console.error(`search: index job for ${job.sessionId} failed (attempt ${msg.attempts})`, e);
  msg.retry();
}

/** The room, dialled only when a job does not carry its events (getServerByName is a round trip that wakes it). */
function roomReader(env: Env, sessionId: string): RoomReader {
  const room = () => sessionRoom(env, sessionId);
  return { summary: async () => (await room()).summary(), events: async (after, limit) => (await room()).events(after, limit) };
}
