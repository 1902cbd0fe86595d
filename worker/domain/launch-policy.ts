/**
 * A machine's launch policy as one pure rule: who may put a run there (allowedUsers) and which stdio
 * MCP commands a run may start there (allowedMcpCommands, none by default). `launchRun` in
 * worker/launch.ts applies it to every path that puts a run on a machine (launch, template, pipeline
 * step and retry, fork, continue); it is pure so its cases are unit-tested in a table.
 */
import type { MachineDenyRules } from "../protocol/rules";
import type { LaunchSpec } from "../protocol/session";

export interface MachinePolicy {
  id: string;
  name: string;
  /** null: every member who may launch; `unreadable` when the stored list no longer parses: no one. */
  allowedUsers: readonly string[] | null | { unreadable: string };
  /** `unreadable` when the stored list no longer parses: no stdio MCP command is allowed. */
  allowedMcpCommands: readonly string[] | { unreadable: string };
  /** The owner's deny policy as stored; `unreadable` when it no longer parses (worker/db/checked-json.ts). */
  denyRules?: MachineDenyRules | { unreadable: string } | null;
}

export type Admission = { ok: true } | { ok: false; why: string };

const unreadable = (v: unknown): v is { unreadable: string } => typeof v === "object" && v !== null && "unreadable" in v;

/** Fails closed: an allow-list that no longer reads admits no one. */
export const mayLaunchOn = (machine: Pick<MachinePolicy, "allowedUsers">, userId: string) =>
  !unreadable(machine.allowedUsers) && (!machine.allowedUsers || machine.allowedUsers.includes(userId));

/** Why `userId` may not launch on `machine`, or null when they may. */
export function launchRefusal(machine: Pick<MachinePolicy, "id" | "name" | "allowedUsers">, userId: string): string | null {
  if (unreadable(machine.allowedUsers))
    return (
      `The machine "${machine.name}" admits no launch: its list of who may launch there could not be read (${machine.allowedUsers.unreadable}). ` +
      `Its owner must set it again on the Machines page, or with PATCH /api/agents/${machine.id} {"allowedUsers": ...}.`
    );
  if (!mayLaunchOn(machine, userId)) return `The machine "${machine.name}" does not accept launches from you; its owner decides who may launch there.`;
  return null;
}

/** The stdio MCP servers of a spec (a server with no `type` is stdio, as in Claude Code). */
export function stdioCommands(spec: Pick<LaunchSpec, "mcpServers">): { server: string; command: string }[] {
  return Object.entries(spec.mcpServers ?? {}).flatMap(([server, s]) =>
    "command" in s && (s.type ?? "stdio") === "stdio" ? [{ server, command: s.command }] : [],
  );
}

/**
 * May `userId` put a run of `spec` on `machine`? A stdio MCP command runs as the agent's user on the
 * machine, so only a command its owner allowed (the exact string) passes.
 */
export function admitRun(machine: MachinePolicy, userId: string, spec: Pick<LaunchSpec, "mcpServers">): Admission {
  // Fails closed: a policy no one can read could deny anything, so no run is admitted under it.
  if (machine.denyRules && "unreadable" in machine.denyRules)
    return { ok: false, why: denyPolicyUnreadable(machine as MachinePolicy & { denyRules: { unreadable: string } }) };
  const refusal = launchRefusal(machine, userId);
  if (refusal) return { ok: false, why: refusal };
  const allowed = machine.allowedMcpCommands;
  const commands = stdioCommands(spec);
  if (unreadable(allowed) && commands.length)
    return {
      ok: false,
      why:
        `The machine "${machine.name}" allows no stdio MCP command: its list of allowed stdio MCP commands could not be read (${allowed.unreadable}). ` +
        `Its owner must set it again on the Machines page, or with PATCH /api/agents/${machine.id} {"allowedMcpCommands": [...]}.`,
    };
  const refused = commands.find((s) => !unreadable(allowed) && !allowed.includes(s.command));
  if (refused) {
    return {
      ok: false,
      why:
        `The machine "${machine.name}" does not allow the stdio MCP command "${refused.command}" (MCP server "${refused.server}"). ` +
        `Its owner or an admin can allow it on the Machines page, or with PATCH /api/agents/${machine.id} {"allowedMcpCommands": [..., "${refused.command}"]}.`,
    };
  }
  return { ok: true };
}

/** Why a machine admits no run while its stored deny policy cannot be read, and how its owner mends it. */
export function denyPolicyUnreadable(machine: Pick<MachinePolicy, "id" | "name"> & { denyRules: { unreadable: string } }): string {
  return (
    `The machine "${machine.name}" admits no run: its deny policy could not be read (${machine.denyRules.unreadable}). ` +
    `Its owner must set it again on the Machines page, or with PATCH /api/agents/${machine.id} {"denyRules": ...}.`
  );
}

/** The deny rules a run on an admitted machine carries (admitRun has refused an unreadable policy). */
export const admittedDenyRules = (machine: Pick<MachinePolicy, "denyRules">): MachineDenyRules | null =>
  machine.denyRules && !("unreadable" in machine.denyRules) ? machine.denyRules : null;

/**
 * The deny rules to judge calls by where a run already is (a live session, a replayed call): a policy that
 * no longer reads denies every call there, saying why, as no new run would be admitted under it.
 */
export function enforceableDenyRules(denyRules: MachinePolicy["denyRules"]): MachineDenyRules | null {
  if (!denyRules) return null;
  if (!("unreadable" in denyRules)) return denyRules;
  return { rules: [{ decision: "deny", message: `This machine's deny policy could not be read (${denyRules.unreadable}); its owner must set it again.` }] };
}
