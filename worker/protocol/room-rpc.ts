/**
 * The SessionRoom's RPC contract, declared below both sides: the Worker calls a room through it without
 * importing the Durable Object class, and `SessionRoom implements SessionRoomRpc`, so tsc checks the two
 * agree. This keeps the layers one-way: party/ imports worker/, and of worker/ only the entry
 * (worker/index.ts, which re-exports the classes for wrangler) imports party/.
 */
import type { MachineDenyRules } from "./rules";
import type { Approval, DecisionBody } from "./approval";
import type { ErrorCode } from "./errors";
import type { SessionEvent } from "./events";
import type { AgentId, SessionId, WorkspaceId } from "./ids";
import type { WorkspaceRole } from "./members";
import type { LaunchSpec, SessionSummary } from "./session";

/** Where a session came from: a template version with its parameters, and/or a pipeline step. */
export interface SessionOrigin {
  templateId: string | null;
  templateVersion: number | null;
  templateParams: Record<string, string | number | boolean> | null;
  pipelineRunId: string | null;
  pipelineStepId: string | null;
}

export interface CreateInput {
  id: SessionId;
  workspaceId: WorkspaceId;
  agentId: AgentId;
  agentName: string;
  ownerId: string;
  parentSessionId: SessionId | null;
  title: string;
  spec: LaunchSpec;
  runId: string;
  /** Claude session to resume (a fork of another Tower session). */
  resume?: string;
  /** The cost the forked Claude session already carries, which this session did not spend. */
  costBaselineUsd?: number;
  origin?: SessionOrigin;
  /** The machine owner's deny policy as it stood at launch (the agents route pushes later changes). */
  machineDenyRules?: MachineDenyRules | null;
  /** The machine requires signed decisions (as it stood at launch; the agents route pushes changes). */
  requireSignedDecisions?: boolean;
  by: string;
}

/** What the machine's owner set that a session on it obeys. */
export interface MachinePolicy {
  denyRules: MachineDenyRules | null;
  requireSignedDecisions: boolean;
}

export type RoomResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/** The methods as the class declares them (some synchronous). */
export interface SessionRoomRpc {
  create(input: CreateInput): Promise<RoomResult<SessionSummary>>;
  decide(approvalId: string, body: DecisionBody, by: string, userId?: string | null): Promise<RoomResult<Approval>>;
  interrupt(by: string): Promise<RoomResult<SessionSummary>>;
  continueWith(prompt: string, by: string): Promise<RoomResult<SessionSummary>>;
  /** The machine owner's deny policy changed (or is re-read before a continue). */
  setMachinePolicy(policy: MachinePolicy): Promise<void>;
  handoff(ownerId: string, by: string): Promise<RoomResult<SessionSummary>>;
  patch(title?: string, archived?: boolean): Promise<RoomResult<SessionSummary>>;
  closeToken(tokenId: string): Promise<void>;
  setGrants(grants: readonly { principal: string; role: "collaborator" | "viewer" }[]): Promise<void>;
  /** A new version of the workspace's approval rules was saved; false once the session needs no rules any more. */
  rulesChanged(version: number): Promise<boolean>;
  /** A device key of the workspace changed; false once the session needs no keys any more. */
  keysChanged(): Promise<boolean>;
  reauthorize(tokenId: string, role: WorkspaceRole | null): Promise<void>;
  summary(): SessionSummary | null;
  approval(id: string): Approval | null;
  forkBasis(): { claudeSessionId: string | null; claudeCostUsd: number };
  launchSpec(): LaunchSpec | null;
  events(after: number, limit: number): { events: SessionEvent[]; lastSeq: number };
}

/**
 * The room as a caller sees it over RPC: every method async. Written out rather than workerd's
 * `Rpc.Stub` mapping, whose recursive JSON types in events are too deep for tsc.
 */
export type SessionRoomApi = {
  [K in keyof SessionRoomRpc]: (...args: Parameters<SessionRoomRpc[K]>) => Promise<Awaited<ReturnType<SessionRoomRpc[K]>>>;
} & { fetch(request: Request): Promise<Response> };
