/**
 * PipelineWorkflow: one Cloudflare Workflow instance drives one pipeline run, durably — it survives
 * Worker restarts and deploys because each tick is a `step.do` (its result is recorded) and the wait
 * between ticks is a `step.waitForEvent`. A session that belongs to a step tells the instance when it
 * ends (RoomOutbox → `sendEvent({ type: "step-update" })`); the wait's timeout covers the timers
 * (retry backoff, step timeouts) and the queue (seats freed by sessions of other runs send no event).
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { STEP_UPDATE_EVENT } from "../protocol/pipelines";
import { budgetReason, mayTick, PLATFORM_STEP_CAP } from "./budget";
import { runTick, stopRun } from "./run-tick";

export interface PipelineParams {
  runId: string;
  /** Saves a lookup per tick; runs started before it was passed carry only the run id. */
  workspaceId?: string;
  /** The platform's step cap this instance counts against, when the account's differs from the default. */
  stepCap?: number;
}

const IDLE_WAIT_MS = 60 * 60 * 1000;
const TICK_RETRIES = 5;
const END = { retries: { limit: 10, delay: "1 second", backoff: "exponential" }, timeout: "2 minutes" } as const;

/**
 * IMPORTANT: every way out of `run` leaves the run in a named end state. A tick that ends it writes
 * that end itself; a tick that fails past its retries, or a budget about to be spent, ends it here
 * as `failed` with the reason, in a step of its own.
 */
export class PipelineWorkflow extends WorkflowEntrypoint<Env, PipelineParams> {
  override async run(event: WorkflowEvent<PipelineParams>, step: WorkflowStep): Promise<string> {
    const { runId, workspaceId } = event.payload;
    const cap = event.payload.stepCap ?? PLATFORM_STEP_CAP;
    const own = event.instanceId;
    const end = (reason: string) => step.do("end", END, () => stopRun(this.env, runId, own, reason));
    let used = 0;
    for (let i = 0; ; i++) {
      if (!mayTick(used, cap)) return end(budgetReason(i, cap));
      let r: Awaited<ReturnType<typeof runTick>>;
      try {
        r = await step.do(`tick ${i}`, { retries: { limit: TICK_RETRIES, delay: "1 second", backoff: "exponential" }, timeout: "2 minutes" }, () =>
          runTick(this.env, runId, own, workspaceId),
        );
      } catch (e) {
        return end(`a tick failed ${TICK_RETRIES + 1} times: ${e instanceof Error ? e.message : String(e)}; retry the run to go on`);
      }
      used++;
      if (r.done) return r.status;
      const wait = r.wakeAt === null ? IDLE_WAIT_MS : Math.max(0, r.wakeAt - Date.now());
      if (wait === 0) continue;
      used++;
      try {
        await step.waitForEvent(`wait ${i}`, { type: STEP_UPDATE_EVENT, timeout: Math.max(1000, wait) });
      } catch {
        // The wait timed out: a retry or timeout is due, or the queue should look at the pool again.
      }
    }
  }
}
