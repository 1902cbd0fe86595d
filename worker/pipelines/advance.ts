/**
 * One tick of a run, pure: from the plan, each step's state, the sessions' ends and the machine pool,
 * decide what changes — steps that finished (and whether they retry, with backoff), steps that became
 * ready or were skipped by their condition, which queued steps go to which machine (labels, launch
 * policy, capacity), which sessions to interrupt (timeouts), and whether the run is over. The Workflow
 * performs the result; this module never does IO, so every rule is tested in Node.
 */
import { mayLaunchOn, type MachinePolicy } from "../domain/launch-policy";
import type { StepStatus } from "../protocol/pipelines";
import { isEnded } from "../protocol/session";
import { evaluate, isTruthy, parseExpr } from "./expr";
import { outputLookup, type StepOutput } from "./outputs";
import type { Plan, PlannedStep } from "./plan";

export interface StepState {
  id: string;
  status: StepStatus;
  statusReason: string;
  attempts: number;
  sessionId: string | null;
  agentId: string | null;
  result: string | null;
  costUsd: number;
  readyAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  notBefore: number | null;
}

/** What a session's D1 row says, for a step that is running it. */
export interface SessionEnd {
  status: string;
  statusReason: string;
  result: string | null;
  costUsd: number;
}

export interface Machine {
  id: string;
  name: string;
  labels: string[];
  capacity: number;
  busy: number;
  online: boolean;
  allowedUsers: MachinePolicy["allowedUsers"];
}

export interface Tick {
  changes: Map<string, Partial<StepState>>;
  launches: { stepId: string; agent: Machine }[];
  interrupts: string[];
  run: { status: "succeeded" | "failed"; reason: string } | null;
  /** When to look again without being told (a retry's backoff, a timeout, a queue waiting for seats). */
  wakeAt: number | null;
}

export const ENDED_STEP: readonly StepStatus[] = ["succeeded", "failed", "skipped", "cancelled"];
/** A queued step looks at the pool again this often, since seats freed by other runs send no event. */
export const QUEUE_RECHECK_MS = 2000;

export function backoffMs(step: Pick<PlannedStep, "retries">, attempt: number): number {
  const r = step.retries;
  return Math.min(r.maxBackoffMs, Math.round(r.backoffMs * r.factor ** Math.max(0, attempt - 1)));
}

export const maxAttempts = (step: Pick<PlannedStep, "retries">) => 1 + step.retries.max;

function failOrRetry(step: PlannedStep, s: StepState, reason: string, now: number): Partial<StepState> {
  if (s.attempts < maxAttempts(step)) {
    const wait = backoffMs(step, s.attempts);
    return {
      status: "retrying",
      statusReason: `${reason}; retry ${s.attempts} of ${step.retries.max} in ${Math.round(wait / 1000)} s`,
      notBefore: now + wait,
      sessionId: null,
    };
  }
  return { status: "failed", statusReason: s.attempts > 1 ? `${reason} (after ${s.attempts} attempts)` : reason, endedAt: now };
}

/** Which machine takes a step: online, labelled, open to the run's owner, with a free seat; least loaded first. */
export function pickMachine(pool: readonly Machine[], selector: readonly string[], ownerId: string): { machine: Machine } | { waiting: string } {
  const labelled = pool.filter((m) => selector.every((l) => m.labels.includes(l)));
  const what = selector.length ? `a machine labelled ${selector.join(", ")}` : "a machine";
  if (!labelled.length)
    return { waiting: `waiting for ${what}: none is enrolled; start one with tower agent${selector.length ? ` --labels ${selector.join(",")}` : ""}` };
  const open = labelled.filter((m) => mayLaunchOn(m, ownerId));
  if (!open.length) return { waiting: `waiting for ${what} that accepts launches from the run's owner` };
  const online = open.filter((m) => m.online);
  if (!online.length) return { waiting: `waiting for ${what} to come online (${open.map((m) => m.name).join(", ")} offline)` };
  const free = online.filter((m) => m.busy < m.capacity).sort((a, b) => a.busy / a.capacity - b.busy / b.capacity);
  if (!free.length) return { waiting: `waiting for a free seat on ${what} (${online.map((m) => `${m.name} ${m.busy}/${m.capacity}`).join(", ")})` };
  return { machine: free[0]! };
}

/**
 * One tick. `states` holds every step of the plan; `sessions` the D1 rows of running steps' sessions;
 * `pool` the workspace's machines with their taken seats.
 */
export function advance(
  plan: Plan,
  states: ReadonlyMap<string, StepState>,
  sessions: ReadonlyMap<string, SessionEnd>,
  pool: readonly Machine[],
  ownerId: string,
  now: number,
): Tick {
  const changes = new Map<string, Partial<StepState>>();
  const launches: Tick["launches"] = [];
  const interrupts: string[] = [];
  const cur = (id: string): StepState => ({ ...states.get(id)!, ...changes.get(id) });
  const set = (id: string, patch: Partial<StepState>) => changes.set(id, { ...changes.get(id), ...patch });
  const seats = pool.map((m) => ({ ...m }));

  for (const step of plan.steps) {
    const s = cur(step.id);
    if (s.status === "running" && s.sessionId) {
      const end = sessions.get(s.sessionId);
      if (end && isEnded(end.status)) {
        const outputs = { result: end.result, costUsd: s.costUsd + end.costUsd };
        if (end.status === "completed") set(step.id, { status: "succeeded", statusReason: "the session completed", endedAt: now, ...outputs });
        else set(step.id, { ...outputs, ...failOrRetry(step, s, `the session ended ${end.status}${end.statusReason ? ` (${end.statusReason})` : ""}`, now) });
      } else if (step.timeoutMs !== null && s.startedAt !== null && now - s.startedAt >= step.timeoutMs) {
        interrupts.push(s.sessionId);
        set(step.id, failOrRetry(step, s, `timed out after ${Math.round(step.timeoutMs / 1000)} s`, now));
      }
    }
  }

  const outputs = new Map<string, StepOutput>(
    plan.steps.map((p) => {
      const s = cur(p.id);
      return [p.id, { status: s.status, result: s.result, sessionId: s.sessionId, costUsd: s.costUsd }];
    }),
  );
  for (const step of plan.steps) {
    const s = cur(step.id);
    if (s.status === "retrying" && s.notBefore !== null && s.notBefore <= now)
      set(step.id, { status: "queued", statusReason: "ready to retry", readyAt: now, notBefore: null });
    if (s.status !== "pending") continue;
    const ups = step.needs.map((n) => cur(n));
    if (ups.some((u) => !ENDED_STEP.includes(u.status))) continue;
    const verdict = decide(plan, step, ups, outputs);
    if (verdict.run) set(step.id, { status: "queued", statusReason: "ready", readyAt: now });
    else set(step.id, { status: "skipped", statusReason: verdict.why, endedAt: now });
    outputs.set(step.id, { ...outputs.get(step.id)!, status: cur(step.id).status });
  }

  for (const step of plan.steps) {
    const s = cur(step.id);
    if (s.status !== "queued") continue;
    const pick = pickMachine(seats, step.selector, ownerId);
    if ("waiting" in pick) {
      if (s.statusReason !== pick.waiting) set(step.id, { statusReason: pick.waiting });
      continue;
    }
    pick.machine.busy += 1;
    launches.push({ stepId: step.id, agent: pick.machine });
    set(step.id, { status: "running", statusReason: `launched on ${pick.machine.name}`, attempts: s.attempts + 1, agentId: pick.machine.id, startedAt: now });
  }

  const final = plan.steps.map((p) => cur(p.id));
  let run: Tick["run"] = null;
  if (final.every((s) => ENDED_STEP.includes(s.status))) {
    const failed = final.filter((s) => s.status === "failed").map((s) => s.id);
    run = failed.length
      ? { status: "failed", reason: `failed: ${failed.join(", ")}` }
      : {
          status: "succeeded",
          reason: `${final.filter((s) => s.status === "succeeded").length} succeeded, ${final.filter((s) => s.status === "skipped").length} skipped`,
        };
  }
  const due: number[] = [];
  for (const step of plan.steps) {
    const s = cur(step.id);
    if (s.status === "retrying" && s.notBefore !== null) due.push(s.notBefore);
    if (s.status === "running" && step.timeoutMs !== null && s.startedAt !== null) due.push(s.startedAt + step.timeoutMs);
    if (s.status === "queued") due.push(now + QUEUE_RECHECK_MS);
  }
  return { changes, launches, interrupts, run, wakeAt: run || !due.length ? null : Math.min(...due) };
}

function decide(plan: Plan, step: PlannedStep, ups: StepState[], outputs: ReadonlyMap<string, StepOutput>): { run: true } | { run: false; why: string } {
  const bad = ups.filter((u) => u.status !== "succeeded");
  switch (step.when.kind) {
    case "success":
      return bad.length
        ? { run: false, why: `skipped: ${bad.map((u) => `${u.id} ${u.status}`).join(", ")} (runs only when everything it needs succeeded)` }
        : { run: true };
    case "failure":
      return ups.some((u) => u.status === "failed") ? { run: true } : { run: false, why: "skipped: nothing it needs failed (when: failure)" };
    case "always":
      return { run: true };
    case "expr": {
      const v = evaluate(parseExpr(step.when.src), outputLookup(plan, outputs, step));
      return isTruthy(v) ? { run: true } : { run: false, why: `skipped: the condition ${step.when.src} is false` };
    }
  }
}

/** A fresh step state (all pending). */
export function initialState(id: string): StepState {
  return {
    id,
    status: "pending",
    statusReason: "waiting for what it needs",
    attempts: 0,
    sessionId: null,
    agentId: null,
    result: null,
    costUsd: 0,
    readyAt: null,
    startedAt: null,
    endedAt: null,
    notBefore: null,
  };
}
