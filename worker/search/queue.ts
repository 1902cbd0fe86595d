/**
 * The Queue consumer of indexing jobs, and of its dead-letter queue. Each message is acked or
 * retried on its own (throwing would retry the whole batch, acked messages included); a job that
 * fails every retry lands in the dead-letter queue, whose consumer records it for admins.
 */
import { makeDb } from "../db/client";
import { recordDeadLetter } from "../db/search";
import { IndexJob } from "../protocol/search";
import { sessionRoom } from "../rooms";
import { searchDeps } from "./backend";
import { runIndexJob, type RoomReader } from "./indexer";

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
  for (const msg of batch.messages) {
    const job = IndexJob.safeParse(msg.body);
    if (!job.success) {
      // No retry can fix a malformed job; the log says what it was.
      console.error("search: dropped a malformed index job", job.error.issues.slice(0, 3));
      msg.ack();
      continue;
    }
    try {
      const r = await runIndexJob(deps, roomReader(env, job.data.sessionId), job.data);
      if (!r.ok) console.error(`search: refused index job: ${r.reason}`);
      msg.ack();
    } catch (e) {
      console.error(`search: index job for ${job.data.sessionId} failed (attempt ${msg.attempts})`, e);
      msg.retry();
    }
  }
}

/** The room, dialled only when a job does not carry its events (getServerByName is a round trip that wakes it). */
function roomReader(env: Env, sessionId: string): RoomReader {
  const room = () => sessionRoom(env, sessionId);
  return { summary: async () => (await room()).summary(), events: async (after, limit) => (await room()).events(after, limit) };
}
