/**
 * The step budget of one Workflow instance, pure. Cloudflare caps the steps an instance may take
 * (Workers Free 1,024; Workers Paid 10,000 by default, up to 25,000): an instance that reaches the cap
 * fails without running another line, and its run would say `running` for good. So the Workflow counts
 * every `step.do` and `step.waitForEvent` it takes and ends the run, with a reason, while it still has
 * the steps to write that end. Called by PipelineWorkflow before each tick.
 */

/** The Workers Paid default (developers.cloudflare.com/workflows/reference/limits: "Maximum steps per Workflow"). */
export const PLATFORM_STEP_CAP = 10_000;

/** A tick costs at most two steps: the tick and the wait after it. */
const STEPS_PER_TICK = 2;
/** Kept back for the step that writes the run's end. */
const RESERVED_FOR_END = 1;

/** Whether one more tick (and its wait) fits and still leaves the step that ends the run. */
export function mayTick(used: number, cap: number): boolean {
  return used + STEPS_PER_TICK + RESERVED_FOR_END <= cap;
}

/** Why a run ended at the budget: what happened and how to go on. */
export function budgetReason(ticks: number, cap: number): string {
  return `stopped after ${ticks} ticks, before the Workflow limit of ${cap} steps per instance; retry the run to go on from the steps that did not succeed`;
}
