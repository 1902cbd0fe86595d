/**
 * D1 tables (drizzle). D1 holds what lists and lookups need: workspaces, tokens, agents, the
 * session summary rows (written through by each SessionRoom, with their counts, so a list is one
 * query) and a mirror of approvals for the cross-session inbox. Every row carries `workspace_id`.
 */
import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const workspaces = sqliteTable("workspaces", {
  id: text().primaryKey(),
  name: text().notNull(),
  createdAt: integer().notNull(),
});

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    /** `user` tokens act for a person; `agent` tokens for one machine. */
    kind: text({ enum: ["user", "agent"] }).notNull(),
    name: text().notNull(),
    /** Who acts with this token, as audit and decisions record it. */
    subject: text().notNull(),
    agentId: text(),
    tokenHash: text().notNull(),
    createdAt: integer().notNull(),
    expiresAt: integer(),
    revokedAt: integer(),
    lastUsedAt: integer(),
  },
  (t) => [uniqueIndex("api_tokens_hash").on(t.tokenHash), index("api_tokens_workspace").on(t.workspaceId)],
);

export const agents = sqliteTable(
  "agents",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    name: text().notNull(),
    hostname: text().notNull().default(""),
    labels: text({ mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    capacity: integer().notNull().default(4),
    versions: text({ mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    online: integer({ mode: "boolean" }).notNull().default(false),
    lastSeenAt: integer(),
    createdAt: integer().notNull(),
  },
  (t) => [uniqueIndex("agents_workspace_name").on(t.workspaceId, t.name)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    agentId: text()
      .notNull()
      .references(() => agents.id),
    parentSessionId: text(),
    title: text().notNull(),
    prompt: text().notNull(),
    cwd: text().notNull(),
    model: text(),
    status: text().notNull(),
    statusReason: text().notNull().default(""),
    archived: integer({ mode: "boolean" }).notNull().default(false),
    claudeSessionId: text(),
    messageCount: integer().notNull().default(0),
    toolCallCount: integer().notNull().default(0),
    pendingApprovals: integer().notNull().default(0),
    costUsd: real().notNull().default(0),
    inputTokens: integer().notNull().default(0),
    outputTokens: integer().notNull().default(0),
    numTurns: integer().notNull().default(0),
    lastSeq: integer().notNull().default(0),
    result: text(),
    createdAt: integer().notNull(),
    updatedAt: integer().notNull(),
    endedAt: integer(),
  },
  (t) => [
    index("sessions_workspace_created").on(t.workspaceId, t.createdAt, t.id),
    index("sessions_workspace_status").on(t.workspaceId, t.status),
    index("sessions_agent_status").on(t.agentId, t.status),
  ],
);

export const approvals = sqliteTable(
  "approvals",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    sessionId: text()
      .notNull()
      .references(() => sessions.id),
    toolName: text().notNull(),
    toolUseId: text(),
    input: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
    inputSha256: text().notNull(),
    status: text().notNull(),
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
    decidedAt: integer(),
    decidedBy: text(),
    via: text(),
    comment: text(),
    updatedInput: text({ mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index("approvals_workspace_status").on(t.workspaceId, t.status, t.createdAt),
    index("approvals_session").on(t.sessionId, t.createdAt),
  ],
);
