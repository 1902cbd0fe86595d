/**
 * The one path by which a session is launched: a free prompt (POST /api/sessions), a template and a
 * pipeline step all choose a machine here and create the session through its SessionRoom, so the
 * machine's launch policy (agents.allowedUsers), labels and the room's launch through AgentLink apply
 * to every one of them. RBAC (`session.create`) is checked by the caller's route or run.
 */
import type { Db } from "./db/client";
import { defaultAgent, findAgent, machinePool, type AgentRow } from "./db/agents";
import type { SessionOrigin } from "../party/core/room";
import { ApiError } from "./protocol/errors";
import { newId, type AgentId, type SessionId, type WorkspaceId } from "./protocol/ids";
import type { LaunchSpec, SessionSummary } from "./protocol/session";
import type { MachineSelector } from "./protocol/templates";
import { sessionRoom } from "./rooms";

export type { AgentRow };

/** Who launches: the session's owner, and the subject the room records. */
export interface Launcher {
  workspaceId: string;
  userId: string;
  subject: string;
}

export const mayLaunchOn = (agent: Pick<AgentRow, "allowedUsers">, userId: string) => !agent.allowedUsers || agent.allowedUsers.includes(userId);
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
    if (!hasLabels(agent, opts.selector)) throw new ApiError("BAD_REQUEST", `The machine "${agent.name}" lacks the label(s) ${labels.filter((l) => !agent!.labels.includes(l)).join(", ")} that this template asks for.`);
  } else if (labels.length) {
    const pool = (await machinePool(db, who.workspaceId)).filter((a) => hasLabels(a, opts.selector));
    if (!pool.length) throw new ApiError("BAD_REQUEST", `No machine in this workspace has the label(s) ${labels.join(", ")}; start one with \`tower agent --labels ${labels.join(",")}\`.`);
    const allowed = pool.filter((a) => mayLaunchOn(a, who.userId));
    if (!allowed.length) throw new ApiError("FORBIDDEN", `The machines labelled ${labels.join(", ")} do not accept launches from you; their owners decide who may launch there.`);
    allowed.sort((a, b) => Number(b.online) - Number(a.online) || a.busy / a.capacity - b.busy / b.capacity);
    agent = allowed[0]!;
  } else {
    agent = await defaultAgent(db, who.workspaceId);
    if (!agent) throw new ApiError("NOT_FOUND", "This workspace has no agent yet; start one with `tower agent`.");
  }
  if (!mayLaunchOn(agent, who.userId)) {
    throw new ApiError("FORBIDDEN", `The machine "${agent.name}" does not accept launches from you; its owner decides who may launch there.`);
  }
  return agent;
}

/** Creates the session in its room (which queues the launch on the machine's AgentLink). */
export async function launchSession(
  env: Env,
  who: Launcher,
  req: { agent: AgentRow; spec: LaunchSpec; title?: string | undefined; origin?: SessionOrigin; id?: SessionId },
): Promise<{ ok: true; value: SessionSummary } | { ok: false; code: ApiError["code"]; message: string }> {
  const id = req.id ?? newId("ses");
  return (await sessionRoom(env, id)).create({
    id,
    workspaceId: who.workspaceId as WorkspaceId,
    agentId: req.agent.id as AgentId,
    agentName: req.agent.name,
    ownerId: who.userId,
    parentSessionId: null,
    title: req.title ?? req.spec.prompt.split("\n")[0]!.slice(0, 80),
    spec: req.spec,
    runId: newId("ses").slice(4),
    by: who.subject,
    ...(req.origin ? { origin: req.origin } : {}),
  });
}
