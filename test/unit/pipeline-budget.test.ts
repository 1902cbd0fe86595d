import { describe, expect, it } from "vitest";
import { budgetReason, mayTick, PLATFORM_STEP_CAP } from "../../worker/pipelines/budget";

/** Plays the Workflow's loop against a cap: each tick and each wait is a step, then the end is one more. */
function play(cap: number, waitsAfterTick: boolean): { ticks: number; steps: number } {
  let used = 0;
  let ticks = 0;
  while (mayTick(used, cap)) {
    used += waitsAfterTick ? 2 : 1;
    ticks++;
  }
  return { ticks, steps: used + 1 };
}

describe("happy", () => {
  it.each([5, 6, 1024, PLATFORM_STEP_CAP, 25_000])("never takes more steps than a cap of %i, the end step included, and wastes at most two", (cap) => {
    for (const waits of [true, false]) {
      const { steps } = play(cap, waits);
      expect(steps).toBeLessThanOrEqual(cap);
      expect(steps).toBeGreaterThanOrEqual(cap - 2);
    }
  });

  it("counts the Workers Paid default cap", () => {
    expect(PLATFORM_STEP_CAP).toBe(10_000);
  });

  it("says why the run ended and how to go on", () => {
    expect(budgetReason(4998, 10_000)).toBe(
      "stopped after 4998 ticks, before the Workflow limit of 10000 steps per instance; retry the run to go on from the steps that did not succeed",
    );
  });
});

describe("errors", () => {
  it("refuses a tick that leaves no step to write the run's end", () => {
    expect(mayTick(2, 5)).toBe(true);
    expect(mayTick(3, 5)).toBe(false);
    expect(mayTick(0, 2)).toBe(false);
  });
});
