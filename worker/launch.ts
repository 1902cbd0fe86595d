/**
 * The one function that puts a run on a machine: a free prompt (POST /api/sessions), a template, a
 * pipeline step (and its retries), a fork and a continue all call `launchRun`, which applies the
 * machine's launch policy (allowedUsers and its stdio MCP command allowlist, domain/launch-policy.ts)
 * and hands the room the full LaunchSpec. It is the only caller of the room's create and continue.
 * RBAC (`session.create`, `session.act`) is checked by the caller's route or run.
 */
import type { Db } from "./db/client";
import { defaultAgent, findAgent, machinePool, type AgentRow } from "./db/agents";
import type { SessionOrigin } from "./protocol/room-rpc";
import { admitRun, admittedDenyRules, launchRefusal, mayLaunchOn } from "./domain/launch-policy";
import { ApiError } from "./protocol/errors";
import { newId, type AgentId, type SessionId, type WorkspaceId } from "./protocol/ids";
import type { LaunchSpec, SessionSummary } from "./protocol/session";
import type { MachineSelector } from "./protocol/templates";
import { sessionRoom } from "./rooms";

export type { AgentRow };
export { mayLaunchOn };
/** Who launches: the session's owner, and the subject the room records. */
export interface Launcher {
  workspaceId: string;
  userId: string;
  subject: string;
}

export const hasLabels = (agent: Pick<AgentRow, "labels">, selector: MachineSelector | undefined) =>
  (selector?.labels ?? []).every((l) => agent.labels.includes(l));

/**
 * The machine for a one-off launch: the named one, or one whose labels match (online and least busy
 * first), or the workspace default. Refusals say which rule refused and what to do.
 */
export async function chooseAgent(db: Db, who: Launcher, opts: { agent?: string | undefined; selector?: MachineSelector | undefined }): Promise<AgentRow> {
  const labels = opts.selector?.labels ?? [];
  let agent: AgentRow | null;
  if (opts.agent) {
    agent = await findAgent(db, who.workspaceId, opts.agent);
    if (!agent) throw new ApiError("NOT_FOUND", `No agent "${opts.agent}" in this workspace; \`tower agents\` lists them.`);
    if (!hasLabels(agent, opts.selector))
      throw new ApiError(
        "BAD_REQUEST",
        `The machine "${agent.name}" lacks the label(s) ${labels.filter((l) => !agent!.labels.includes(l)).join(", ")} that this template asks for.`,
      );
  } else if (labels.length) {
    const pool = (await machinePool(db, who.workspaceId)).filter((a) => hasLabels(a, opts.selector));
    if (!pool.length)
      throw new ApiError(
        "BAD_REQUEST",
        `No machine in this workspace has the label(s) ${labels.join(", ")}; start one with \`tower agent --labels ${labels.join(",")}\`.`,
      );
    const allowed = pool.filter((a) => mayLaunchOn(a, who.userId));
    if (!allowed.length)
      throw new ApiError("FORBIDDEN", `The machines labelled ${labels.join(", ")} do not accept launches from you; their owners decide who may launch there.`);
    allowed.sort((a, b) => Number(b.online) - Number(a.online) || a.busy / a.capacity - b.busy / b.capacity);
    agent = allowed[0]!;
  } else {
    agent = await defaultAgent(db, who.workspaceId);
    if (!agent) throw new ApiError("NOT_FOUND", "This workspace has no agent yet; start one with `tower agent`.");
  }
  const refusal = launchRefusal(agent, who.userId);
  if (refusal) throw new ApiError("FORBIDDEN", refusal);
  return agent;
}

type RunResult = { ok: true; value: SessionSummary } | { ok: false; code: ApiError["code"]; message: string };

/** What to run: a new session on a chosen machine, a fork of a session, or a follow-up in one. */
export type RunRequest =
  | { kind: "launch"; agent: AgentRow; spec: LaunchSpec; title?: string | undefined; origin?: SessionOrigin; id?: SessionId }
  | { kind: "fork"; parent: { id: string; agentId: string; title: string }; prompt: string; title?: string | undefined }
  | { kind: "continue"; session: { id: string; agentId: string }; prompt: string };

/**
 * Puts a run on a machine. A fork takes its parent's full spec from the parent's room (tools, turns,
 * system prompt, MCP servers) and changes only the prompt; a continue re-runs the session's spec. The
 * machine's policy is checked as it stands now, so a revoked member or MCP command stops there too.
 */
export async function launchRun(env: Env, db: Db, who: Launcher, req: RunRequest): Promise<RunResult> {
  if (req.kind === "launch")
    return create(env, who, req.agent, req.spec, {
      title: req.title ?? req.spec.prompt.split("\n")[0]!.slice(0, 80),
      parentSessionId: null,
      ...(req.origin ? { origin: req.origin } : {}),
      ...(req.id ? { id: req.id } : {}),
    });
  const ref = req.kind === "fork" ? req.parent : req.session;
  const room = await sessionRoom(env, ref.id as SessionId);
  const spec = await room.launchSpec();
  if (!spec) return { ok: false, code: "CONFLICT", message: "This session has no launch spec yet; wait until it has been created." };
  const agent = await findAgent(db, who.workspaceId, ref.agentId);
  if (!agent) return { ok: false, code: "CONFLICT", message: "The machine this session ran on is no longer in this workspace." };
  if (req.kind === "continue") {
    const admitted = admitRun(agent, who.userId, spec);
    if (!admitted.ok) return { ok: false, code: "FORBIDDEN", message: admitted.why };
    // The machine's deny policy as it stands now judges the new run's calls.
    await room.setMachinePolicy({ denyRules: admittedDenyRules(agent), requireSignedDecisions: agent.requireSignedDecisions ?? false });
    return room.continueWith(req.prompt, who.subject);
  }
  const basis = await room.forkBasis();
  if (!basis.claudeSessionId)
    return { ok: false, code: "CONFLICT", message: "This session has no Claude conversation to fork yet; wait until it has started." };
  return create(
    env,
    who,
    agent,
    { ...spec, prompt: req.prompt },
    {
      title: req.title ?? `${req.parent.title} (fork)`,
      parentSessionId: req.parent.id as SessionId,
      resume: basis.claudeSessionId,
      costBaselineUsd: basis.claudeCostUsd,
    },
  );
}

async function create(
  env: Env,
  who: Launcher,
  agent: AgentRow,
  spec: LaunchSpec,
  opts: { title: string; parentSessionId: SessionId | null; origin?: SessionOrigin; id?: SessionId; resume?: string; costBaselineUsd?: number },
): Promise<RunResult> {
  const admitted = admitRun(agent, who.userId, spec);
  if (!admitted.ok) return { ok: false, code: "FORBIDDEN", message: admitted.why };
  const { id = newId("ses"), ...rest } = opts;
  return (await sessionRoom(env, id)).create({
    ...rest,
    id,
    workspaceId: who.workspaceId as WorkspaceId,
    agentId: agent.id as AgentId,
    agentName: agent.name,
    ownerId: who.userId,
    spec,
    machineDenyRules: admittedDenyRules(agent),
    ...(agent.requireSignedDecisions ? { requireSignedDecisions: true } : {}),
    runId: newId("ses").slice(4),
    by: who.subject,
  });
}
