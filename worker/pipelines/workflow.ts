/**
 * PipelineWorkflow: one Cloudflare Workflow instance drives one pipeline run, durably — it survives
 * Worker restarts and deploys because each tick is a `step.do` (its result is recorded) and the wait
 * between ticks is a `step.waitForEvent`. A session that belongs to a step tells the instance when it
 * ends (RoomOutbox → `sendEvent({ type: "step-update" })`); the wait's timeout covers the timers
 * (retry backoff, step timeouts) and the queue (seats freed by sessions of other runs send no event).
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { STEP_UPDATE_EVENT } from "../protocol/pipelines";
import { runTick } from "./run-tick";

export interface PipelineParams {
  runId: string;
  /** Saves a lookup per tick; runs started before it was passed carry only the run id. */
  workspaceId?: string;
}

/** Enough for a long run with many retries; past it the run ends failed instead of looping forever. */
const MAX_TICKS = 5000;
const IDLE_WAIT_MS = 60 * 60 * 1000;

export class PipelineWorkflow extends WorkflowEntrypoint<Env, PipelineParams> {
  override async run(event: WorkflowEvent<PipelineParams>, step: WorkflowStep): Promise<string> {
    const { runId, workspaceId } = event.payload;
    for (let i = 0; i < MAX_TICKS; i++) {
      const r = await step.do(`tick ${i}`, { retries: { limit: 5, delay: "1 second", backoff: "exponential" }, timeout: "2 minutes" }, () => runTick(this.env, runId, workspaceId));
      if (r.done) return r.status;
      const wait = r.wakeAt === null ? IDLE_WAIT_MS : Math.max(0, r.wakeAt - Date.now());
      if (wait === 0) continue;
      try {
        await step.waitForEvent(`wait ${i}`, { type: STEP_UPDATE_EVENT, timeout: Math.max(1000, wait) });
      } catch {
        // The wait timed out: a retry or timeout is due, or the queue should look at the pool again.
      }
    }
    return "gave up";
  }
}
