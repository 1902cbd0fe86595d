/**
 * What a session is on the wire: its status vocabulary, the launch spec a client submits, and the
 * summary row that lists show. Shared by the Worker, the rooms, the web app and the CLI.
 */
import { z } from "zod";
import { AgentId, SessionId, UserId, WorkspaceId } from "./ids";

export const SessionStatus = z.enum([
  "queued",
  "starting",
  "running",
  "waiting_for_approval",
  /** Its call waited so long (or its agent stopped) that the run was parked: no run, the approval still open. */
  "parked",
  "waiting_for_input",
  "interrupting",
  "interrupted",
  "completed",
  "failed",
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/**
 * The statuses in which a session has stopped: no run is active and no agent is needed. A session
 * `waiting_for_input` has ended its run too (a continue starts the next). The one definition: lists,
 * filters, the room's transitions and pipelines all ask `isEnded`.
 */
export const ENDED_STATUSES = ["completed", "failed", "interrupted", "waiting_for_input"] as const satisfies readonly SessionStatus[];
export type EndedStatus = (typeof ENDED_STATUSES)[number];

export function isEnded(status: string): status is EndedStatus {
  return (ENDED_STATUSES as readonly string[]).includes(status);
}

const ToolList = z.array(z.string().min(1).max(200)).max(100);

/** An MCP server Claude Code may start (stdio) or reach (http/sse) for this session. */
export const McpServer = z.union([
  z
    .object({
      type: z.literal("stdio").optional(),
      command: z.string().min(1).max(4096),
      args: z.array(z.string().max(4096)).max(100).optional(),
      env: z.record(z.string(), z.string().max(4096)).optional(),
    })
    .strict(),
  z.object({ type: z.enum(["http", "sse"]), url: z.string().url().max(4096), headers: z.record(z.string(), z.string().max(4096)).optional() }).strict(),
]);
export type McpServer = z.infer<typeof McpServer>;
export const McpServers = z
  .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "MCP server names use letters, digits, _ or -"), McpServer)
  .refine((r) => Object.keys(r).length <= 20, "at most 20 MCP servers");

/** Everything needed to start Claude Code on a machine. */
export const LaunchSpec = z.object({
  prompt: z.string().trim().min(1, "prompt must not be empty").max(100_000),
  cwd: z.string().min(1, "cwd is required: the working directory on the agent's machine").max(4096),
  model: z.string().min(1).max(200).optional(),
  maxTurns: z.number().int().min(1).max(1000).optional(),
  appendSystemPrompt: z.string().max(50_000).optional(),
  allowedTools: ToolList.optional(),
  disallowedTools: ToolList.optional(),
  additionalDirectories: z.array(z.string().min(1).max(4096)).max(20).optional(),
  mcpServers: McpServers.optional(),
});
export type LaunchSpec = z.infer<typeof LaunchSpec>;

export const CreateSessionBody = LaunchSpec.extend({
  title: z.string().trim().min(1).max(200).optional(),
  /** Agent id or machine name; omitted means the only (or first online) agent of the workspace. */
  agent: z.string().min(1).max(200).optional(),
});
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

/**
 * The `Idempotency-Key` header of POST /api/sessions: a retry with the same key (same caller, within a
 * day) returns the session the first attempt created instead of launching another.
 */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "an Idempotency-Key is 1 to 255 visible ASCII characters, such as a UUID");

export const PatchSessionBody = z
  .object({ title: z.string().trim().min(1).max(200).optional(), archived: z.boolean().optional() })
  .refine((b) => b.title !== undefined || b.archived !== undefined, "give title or archived");
export type PatchSessionBody = z.infer<typeof PatchSessionBody>;

export const ContinueSessionBody = z.object({
  prompt: z.string().trim().min(1, "prompt must not be empty").max(100_000),
  fork: z.boolean().default(false),
  title: z.string().trim().min(1).max(200).optional(),
});
export type ContinueSessionBody = z.infer<typeof ContinueSessionBody>;

/** The list row: status plus the counts that used to cost HumanLayer one query per session. */
export const SessionSummary = z.object({
  id: SessionId,
  workspaceId: WorkspaceId,
  agentId: AgentId,
  agentName: z.string().nullable(),
  /** The user who owns the session (`usr_…`; empty for sessions from before accounts). */
  ownerId: z.string(),
  title: z.string(),
  prompt: z.string(),
  cwd: z.string(),
  model: z.string().nullable(),
  status: SessionStatus,
  statusReason: z.string(),
  archived: z.boolean(),
  parentSessionId: SessionId.nullable(),
  claudeSessionId: z.string().nullable(),
  messageCount: z.number().int(),
  toolCallCount: z.number().int(),
  pendingApprovals: z.number().int(),
  costUsd: z.number(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  numTurns: z.number().int(),
  lastSeq: z.number().int(),
  result: z.string().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  endedAt: z.number().int().nullable(),
  /** The template (id and version) and parameters the session was launched from; null for a free prompt. */
  templateId: z.string().nullable().optional(),
  templateVersion: z.number().int().nullable().optional(),
  templateParams: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .nullable()
    .optional(),
  /** The pipeline run and step (e.g. `build`, `tests[2]`) this session belongs to; null outside pipelines. */
  pipelineRunId: z.string().nullable().optional(),
  pipelineStepId: z.string().nullable().optional(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SessionListQuery = z.object({
  status: z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(SessionStatus))
    .optional(),
  agent: z.string().min(1).max(200).optional(),
  archived: z.enum(["true", "false", "all"]).default("false"),
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type SessionListQuery = z.infer<typeof SessionListQuery>;

export const SessionPage = z.object({ sessions: z.array(SessionSummary), nextCursor: z.string().nullable() });
export type SessionPage = z.infer<typeof SessionPage>;

/** A grant on one session: to one member (`user:usr_…`) or the whole workspace. */
export const ShareBody = z.object({
  principal: z.union([z.literal("workspace"), z.string().regex(/^user:usr_[0-9a-z]{20}$/, 'use "workspace" or "user:<user id>"')]),
  role: z.enum(["collaborator", "viewer"]),
});
export type ShareBody = z.infer<typeof ShareBody>;

export const Share = ShareBody.extend({ grantedBy: z.string(), createdAt: z.number().int() });
export type Share = z.infer<typeof Share>;

export const HandoffBody = z.object({ userId: UserId });
export type HandoffBody = z.infer<typeof HandoffBody>;

/** Statuses in which Claude Code may still be doing work on the machine (so its agent must be there). */
export const ACTIVE_STATUSES: readonly SessionStatus[] = ["starting", "running", "waiting_for_approval", "interrupting"];
