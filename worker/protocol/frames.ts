/**
 * Frames between a viewer (web app, CLI) and a session's room, and a viewer and its workspace hub.
 * Clients ignore frame types they do not know, so a newer server never breaks an older client.
 */
import { MachineDenyRules } from "./rules";
import { z } from "zod";
import { Approval, DecisionBody } from "./approval";
import { ErrorBody } from "./errors";
import { SessionEvent } from "./events";
import { AgentId, ApprovalId, SessionId } from "./ids";
import { SessionSummary } from "./session";
import { RunView } from "./pipelines";

/** Viewer → room. `ref` is echoed in the `ack` or `error` that answers the frame. */
export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("decide"), ref: z.string().max(100).optional(), approvalId: ApprovalId, body: DecisionBody }),
  z.object({ type: z.literal("interrupt"), ref: z.string().max(100).optional() }),
  z.object({ type: z.literal("ping"), ref: z.string().max(100).optional() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/**
 * Room → viewer: the scrubbed text of a block Claude is still writing. A viewer keeps its first
 * `from` characters of that block and appends `text` (a `from` past what it holds means it joined
 * mid-message: it ignores the stream and shows the final message when it lands). Never stored.
 */
export const LiveText = z.object({
  type: z.literal("live-text"),
  messageId: z.string(),
  index: z.number().int(),
  from: z.number().int().nonnegative(),
  text: z.string(),
});
export type LiveText = z.infer<typeof LiveText>;

/** A viewer's text of a block after `frame`; null when it joined mid-message and lacks what `from` continues. */
export function continueLiveText(current: string, frame: LiveText): string | null {
  return frame.from > current.length ? null : current.slice(0, frame.from) + frame.text;
}

/** Room → viewer. */
export const ServerFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot"), session: SessionSummary, approvals: z.array(Approval), lastSeq: z.number().int() }),
  z.object({ type: z.literal("events"), events: z.array(SessionEvent), replay: z.boolean() }),
  z.object({ type: z.literal("ack"), ref: z.string().nullable() }),
  z.object({ type: z.literal("pong"), ref: z.string().nullable() }),
  z.object({ type: z.literal("error"), ref: z.string().nullable(), error: ErrorBody }),
  LiveText,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

export const AgentPresence = z.object({
  id: AgentId,
  name: z.string(),
  hostname: z.string(),
  labels: z.array(z.string()),
  capacity: z.number().int(),
  online: z.boolean(),
  lastSeenAt: z.number().int().nullable(),
  runningSessions: z.number().int(),
  versions: z.record(z.string(), z.string()),
  /** The member who enrolled the machine (the bootstrap admin for the `npm start` one). */
  ownerId: z.string(),
  /** Who may launch here; null means every member who may launch. */
  allowedUsers: z.array(z.string()).nullable(),
  /** stdio MCP server commands sessions may start here (exact command strings); none by default. */
  allowedMcpCommands: z.array(z.string()).default([]),
  /** Set when the stored allowedUsers no longer reads: why; the machine then admits no one (shown as []). */
  allowedUsersUnreadable: z.string().optional(),
  /** Set when the stored allowedMcpCommands no longer reads: why; no stdio MCP command is then allowed. */
  allowedMcpCommandsUnreadable: z.string().optional(),
  /** The owner's deny policy: calls denied on this machine whatever the workspace's rules or a person say. */
  denyRules: MachineDenyRules.nullable().optional(),
  /** Set when the stored deny policy no longer reads: why, and that no run is admitted until it is set again. */
  denyRulesUnreadable: z.string().optional(),
  /** The owner requires signed decisions on this machine (worker/protocol/signed-decision.ts). */
  requireSignedDecisions: z.boolean().optional(),
});
export type AgentPresence = z.infer<typeof AgentPresence>;

/** Workspace hub → viewer: list deltas, the approvals inbox and agent presence. */
export const HubFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), approvals: z.array(Approval), agents: z.array(AgentPresence) }),
  z.object({ type: z.literal("session-upsert"), session: SessionSummary }),
  z.object({ type: z.literal("approval-upsert"), approval: Approval }),
  z.object({ type: z.literal("agent-presence"), agent: AgentPresence }),
  z.object({ type: z.literal("session-removed"), sessionId: SessionId }),
  /** A pipeline run changed: its whole graph with every step's status (sent after each Workflow tick). */
  z.object({ type: z.literal("pipeline-upsert"), run: RunView }),
]);
export type HubFrame = z.infer<typeof HubFrame>;

export { ACCESS_REVOKED_CLOSE, RECONNECT_CLOSE, TOKEN_REVOKED_CLOSE } from "./close-codes";
