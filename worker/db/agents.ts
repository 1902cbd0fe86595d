/**
 * Agents (machines) of a workspace: registration, presence, and the list with each agent's
 * running-session count computed in the same query.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { ACTIVE_STATUSES } from "../protocol/session";
import type { MachineInfo } from "../protocol/agent";
import type { AgentPresence } from "../protocol/frames";
import { newId } from "../protocol/ids";
import type { MachineDenyRules } from "../protocol/rules";
import { denyPolicyUnreadable, launchRefusal } from "../domain/launch-policy";
import { isUnreadable, type Unreadable } from "./checked-json";
import type { Db } from "./client";
import { agents, sessions } from "./schema";

const presenceColumns = {
  id: agents.id,
  name: agents.name,
  hostname: agents.hostname,
  labels: agents.labels,
  capacity: agents.capacity,
  online: agents.online,
  lastSeenAt: agents.lastSeenAt,
  versions: agents.versions,
  ownerId: agents.ownerId,
  allowedUsers: agents.allowedUsers,
  allowedMcpCommands: agents.allowedMcpCommands,
  denyRules: agents.denyRules,
  requireSignedDecisions: agents.requireSignedDecisions,
  // Qualified by hand (see machinePool): drizzle's bare "id" here would be sessions.id and count nothing.
  runningSessions: sql<number>`(select count(*) from "sessions" s where s.agent_id = "agents"."id" and s.status in (${sql.join(
    ACTIVE_STATUSES.map((x) => sql`${x}`),
    sql`, `,
  )}))`,
};

type PresenceRow = Omit<
  AgentPresence,
  "denyRules" | "denyRulesUnreadable" | "allowedUsers" | "allowedUsersUnreadable" | "allowedMcpCommands" | "allowedMcpCommandsUnreadable"
> & {
  denyRules: MachineDenyRules | Unreadable | null;
  allowedUsers: string[] | null | Unreadable;
  allowedMcpCommands: string[] | Unreadable;
};

/**
 * A presence row as clients see it: an unreadable policy is said, never shown as "none" or "everyone".
 * An unreadable allow-list is shown as the empty one, which is what it enforces.
 */
function presenceOf({ denyRules, allowedUsers, allowedMcpCommands, ...row }: PresenceRow): AgentPresence {
  return {
    ...row,
    ...(isUnreadable(allowedUsers)
      ? { allowedUsers: [], allowedUsersUnreadable: launchRefusal({ ...row, allowedUsers }, row.ownerId) ?? "" }
      : { allowedUsers }),
    ...(isUnreadable(allowedMcpCommands)
      ? {
          allowedMcpCommands: [],
          allowedMcpCommandsUnreadable: `Its list of allowed stdio MCP commands could not be read (${allowedMcpCommands.unreadable}); no stdio MCP command is allowed until its owner sets it again.`,
        }
      : { allowedMcpCommands }),
    ...(isUnreadable(denyRules) ? { denyRules: null, denyRulesUnreadable: denyPolicyUnreadable({ ...row, denyRules }) } : { denyRules }),
  };
}

export async function listAgents(db: Db, workspaceId: string): Promise<AgentPresence[]> {
  const rows = await db.select(presenceColumns).from(agents).where(eq(agents.workspaceId, workspaceId)).orderBy(agents.name);
  return (rows as PresenceRow[]).map(presenceOf);
}

export async function getAgentPresence(db: Db, agentId: string): Promise<AgentPresence | null> {
  const rows = await db.select(presenceColumns).from(agents).where(eq(agents.id, agentId)).limit(1);
  const row = rows[0] as PresenceRow | undefined;
  return row ? presenceOf(row) : null;
}

/** Finds an agent of the workspace by id or by machine name. */
export async function findAgent(db: Db, workspaceId: string, idOrName: string) {
  const by = idOrName.startsWith("agt_") ? eq(agents.id, idOrName) : eq(agents.name, idOrName);
  const rows = await db
    .select()
    .from(agents)
    .where(and(eq(agents.workspaceId, workspaceId), by))
    .limit(1);
  return rows[0] ?? null;
}

/** The agent to use when the caller names none: an online one first, then the oldest. */
export async function defaultAgent(db: Db, workspaceId: string) {
  const rows = await db.select().from(agents).where(eq(agents.workspaceId, workspaceId)).orderBy(sql`${agents.online} desc`, agents.createdAt).limit(1);
  return rows[0] ?? null;
}

/**
 * Creates a new machine owned by `ownerId`, or returns null when the workspace already has one by
 * that name. IMPORTANT: never returns an existing row, so an enrollment cannot take over a machine.
 */
export async function createAgent(db: Db, workspaceId: string, name: string, now: number, ownerId: string): Promise<AgentRow | null> {
  if (!ownerId) throw new Error(`machine ${name}: every machine needs an owner`);
  const rows = await db
    .insert(agents)
    .values({ id: newId("agt"), workspaceId, name, createdAt: now, ownerId })
    .onConflictDoNothing({ target: [agents.workspaceId, agents.name] })
    .returning();
  return rows[0] ?? null;
}

export async function markAgentOnline(db: Db, agentId: string, machine: MachineInfo, now: number): Promise<void> {
  await db
    .update(agents)
    .set({
      hostname: machine.hostname,
      labels: machine.labels,
      capacity: machine.capacity,
      versions: machine.versions,
      online: true,
      lastSeenAt: now,
    })
    .where(eq(agents.id, agentId));
}

export async function markAgentOffline(db: Db, agentId: string, now: number): Promise<void> {
  await db.update(agents).set({ online: false, lastSeenAt: now }).where(eq(agents.id, agentId));
}

/** Changes a machine's launch policy: who may launch there, and which stdio MCP commands may run. */
export async function setMachinePolicy(
  db: Db,
  agentId: string,
  policy: {
    allowedUsers?: string[] | null | undefined;
    allowedMcpCommands?: string[] | undefined;
    denyRules?: MachineDenyRules | null | undefined;
    requireSignedDecisions?: boolean | undefined;
  },
): Promise<void> {
  const set = {
    ...(policy.requireSignedDecisions !== undefined ? { requireSignedDecisions: policy.requireSignedDecisions } : {}),
    ...(policy.denyRules !== undefined ? { denyRules: policy.denyRules } : {}),
    ...(policy.allowedUsers !== undefined ? { allowedUsers: policy.allowedUsers } : {}),
    ...(policy.allowedMcpCommands !== undefined ? { allowedMcpCommands: policy.allowedMcpCommands } : {}),
  };
  if (Object.keys(set).length) await db.update(agents).set(set).where(eq(agents.id, agentId));
}

export type AgentRow = typeof agents.$inferSelect;

/** The sessions on a machine that hold a seat (queued or active): the ones a change of its policy must reach. */
export async function liveSessionsOn(db: Db, agentId: string): Promise<string[]> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.agentId, agentId), inArray(sessions.status, [...SEAT_STATUSES])));
  return rows.map((r) => r.id);
}

/** Statuses that hold a seat on a machine: queued counts, since its launch is already on the way. */
export const SEAT_STATUSES = ["queued", ...ACTIVE_STATUSES] as const;

/** The workspace's machines with how many seats each has taken (one query), for the machine pool. */
export async function machinePool(db: Db, workspaceId: string): Promise<(AgentRow & { busy: number })[]> {
  const rows = await db
    .select({
      agent: agents,
      // Qualified by hand: in a one-table select drizzle renders `${agents.id}` as a bare "id", which
      // inside this subquery would mean sessions.id and count nothing.
      busy: sql<number>`(select count(*) from "sessions" s where s.agent_id = "agents"."id" and s.status in (${sql.join(
        SEAT_STATUSES.map((x) => sql`${x}`),
        sql`, `,
      )}))`,
    })
    .from(agents)
    .where(eq(agents.workspaceId, workspaceId))
    .orderBy(agents.createdAt);
  return rows.map((r) => ({ ...r.agent, busy: Number(r.busy) }));
}
