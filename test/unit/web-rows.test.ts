import { describe, expect, it } from "vitest";
import type { TokenInfo } from "../../worker/protocol/members";
import type { RunView, StepView } from "../../worker/protocol/pipelines";
import type { SessionSummary } from "../../worker/protocol/session";
import { lastSeenText, pipelineMark, runReason, shownSecret } from "../../web/src/state/rows";

const NOW = 1_800_000_000_000;

const step = (over: Partial<StepView>): StepView => ({
  id: "build",
  name: "build",
  needs: [],
  status: "succeeded",
  statusReason: "",
  attempts: 1,
  maxAttempts: 1,
  sessionId: null,
  sessionIds: [],
  agentId: null,
  agentName: null,
  selector: [],
  template: null,
  result: null,
  costUsd: 0,
  readyAt: null,
  startedAt: null,
  endedAt: null,
  ...over,
});
const run = (over: Partial<RunView>): RunView => ({
  id: "run_1",
  workspaceId: "wsp_1",
  name: "ship-it",
  status: "running",
  statusReason: "",
  createdBy: "usr_1",
  params: {},
  steps: [],
  costUsd: 0,
  createdAt: NOW,
  updatedAt: NOW,
  endedAt: null,
  ...over,
});

describe("pipeline rows", () => {
  it("does not repeat the step's name after a title that already carries it", () => {
    const s = { title: "ship-it · build", pipelineStepId: "build" } as SessionSummary;
    expect(`${s.title}${pipelineMark(s) ?? ""}`).toBe("ship-it · build · pipeline step");
    expect(pipelineMark({ title: "renamed", pipelineStepId: "build" } as SessionSummary)).toBe(" · pipeline step build");
    expect(pipelineMark({ title: "t", pipelineStepId: null } as SessionSummary)).toBeNull();
  });

  it("gives a failed run's reason: its own, or else the failed step's", () => {
    expect(runReason(run({ status: "failed", statusReason: "step test failed after 2 attempts" }))).toBe("step test failed after 2 attempts");
    const failed = run({ status: "failed", steps: [step({}), step({ id: "test", status: "failed", statusReason: "Claude Code failed: disk full" })] });
    expect(runReason(failed)).toBe("test: Claude Code failed: disk full");
    expect(runReason(run({ status: "failed", steps: [step({ id: "test", status: "failed" })] }))).toBe("step test failed");
    expect(runReason(run({ status: "succeeded", statusReason: "all steps succeeded" }))).toBeNull();
  });
});

describe("machines", () => {
  it("says an online machine is connected now, not when it was last seen", () => {
    expect(lastSeenText({ online: true, lastSeenAt: NOW - 5 * 60_000 }, NOW)).toBe("now (connected)");
    expect(lastSeenText({ online: false, lastSeenAt: NOW - 5 * 60_000 }, NOW)).toBe("5m ago");
    expect(lastSeenText({ online: false, lastSeenAt: null }, NOW)).toBe("never");
  });
});

describe("tokens banner", () => {
  const info = (id: string, revokedAt: number | null): TokenInfo => ({
    id,
    kind: "user",
    name: "ci",
    subject: "ann",
    userId: "usr_1",
    agentId: null,
    scopes: ["*"],
    createdAt: NOW,
    expiresAt: null,
    revokedAt,
    rotatedFrom: null,
  });
  it("stops showing a secret once its token is revoked (after a rotate, the new one)", () => {
    const secret = { id: "tok_new", name: "ci", token: "tower_secret" };
    expect(shownSecret(secret, [info("tok_old", NOW), info("tok_new", null)])).toEqual(secret);
    expect(shownSecret(secret, [info("tok_old", NOW), info("tok_new", NOW + 1)])).toBeNull();
    expect(shownSecret(secret, [info("tok_old", NOW)])).toBeNull();
    expect(shownSecret(secret, null)).toEqual(secret);
  });
});
