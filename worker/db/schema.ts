/**
 * D1 tables (drizzle). D1 holds what lists and lookups need: workspaces, tokens, agents, the
 * session summary rows (written through by each SessionRoom, with their counts, so a list is one
 * query) and a mirror of approvals for the cross-session inbox. Every row carries `workspace_id`.
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { MachineDenyRules, RuleSet } from "../protocol/rules";
import { ApprovalRouting } from "../protocol/approval";
import { QuietHours } from "../protocol/push";
import { SignedEnrolment, SignedRevocation, WebAuthnCredential } from "../protocol/signed-decision";
import { StoredAllowedUsers, StoredMcpCommands } from "../protocol/enrollment";
import { StoredScopes } from "../protocol/members";
import { StoredGroupMembers, StoredGroupRoles } from "../protocol/approver-groups";
import { StoredDomains } from "../protocol/sign-in";
import { checkedJson } from "./checked-json";

export const workspaces = sqliteTable("workspaces", {
  id: text().primaryKey(),
  name: text().notNull(),
  createdAt: integer().notNull(),
});

export const users = sqliteTable(
  "users",
  {
    id: text().primaryKey(),
    email: text(),
    name: text().notNull(),
    createdAt: integer().notNull(),
    disabledAt: integer(),
  },
  (t) => [uniqueIndex("users_email").on(t.email)],
);

/** A user's role in a workspace: owner and admin administer, member launches, viewer only reads. */
export const memberships = sqliteTable(
  "memberships",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    userId: text()
      .notNull()
      .references(() => users.id),
    role: text({ enum: ["owner", "admin", "member", "viewer"] }).notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index("memberships_user").on(t.userId)],
);

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
    /** The user a `user` token acts for. */
    userId: text(),
    /** What the token may do (`*`, or e.g. `sessions:read`); see worker/domain/policy.ts. */
    scopes: checkedJson(StoredScopes)().notNull().default(sql`'["*"]'`),
    /** The token this one replaced by rotation, if any. */
    rotatedFrom: text(),
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
    /** The member who enrolled the machine (the bootstrap admin for the `npm start` one); never empty. */
    ownerId: text().notNull().default(""),
    /** Users allowed to launch on this machine; null means every member who may launch. */
    allowedUsers: checkedJson(StoredAllowedUsers)(),
    /** stdio MCP server commands sessions may start here, as the owner allowed them; none by default. */
    allowedMcpCommands: checkedJson(StoredMcpCommands)().notNull().default(sql`'[]'`),
    /**
     * The owner's deny policy for this machine (deny rules, the rule-set format); null: none. Read
     * through its schema: a stored policy that no longer parses admits no run (fails closed).
     */
    denyRules: checkedJson(MachineDenyRules)(),
    /** The owner requires signed decisions here (the agent enforces its own pinned trust regardless). */
    requireSignedDecisions: integer({ mode: "boolean" }).notNull().default(false),
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
    /** The user who owns the session (launched it, or had it handed off to them). */
    ownerId: text().notNull().default(""),
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
    /** The template version and parameters it was launched from (null for a free prompt). */
    templateId: text(),
    templateVersion: integer(),
    templateParams: text({ mode: "json" }).$type<Record<string, string | number | boolean>>(),
    /** The pipeline run and step it belongs to (null outside pipelines). */
    pipelineRunId: text(),
    pipelineStepId: text(),
  },
  (t) => [
    index("sessions_workspace_created").on(t.workspaceId, t.createdAt, t.id),
    index("sessions_pipeline").on(t.pipelineRunId),
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
    /** Who may decide a routed call (ApprovalRouting), so the inbox shows each person what waits for them. */
    /** Who a rule named to decide (it grants access): read through its schema, an unreadable record grants nothing. */
    routing: checkedJson(ApprovalRouting)(),
    /** Claude Code's flags on the request: a person must answer it; no "always allow" rule may come from it. */
    requiresUserInteraction: integer({ mode: "boolean" }).notNull().default(false),
    suppressAlwaysAllowRule: integer({ mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("approvals_workspace_status").on(t.workspaceId, t.status, t.createdAt), index("approvals_session").on(t.sessionId, t.createdAt)],
);

/**
 * Per-session grants beyond the owner: a person (`user:<id>`) or the whole workspace
 * (`workspace`) as collaborator (may approve, interrupt, continue) or viewer (read only).
 */
export const sessionGrants = sqliteTable(
  "session_grants",
  {
    sessionId: text()
      .notNull()
      .references(() => sessions.id),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    principal: text().notNull(),
    role: text({ enum: ["collaborator", "viewer"] }).notNull(),
    grantedBy: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.principal] }), index("session_grants_principal").on(t.workspaceId, t.principal)],
);

/** What an audit entry says, pending or chained (a function: drizzle columns are built per table). */
const auditContent = () => ({
  at: integer().notNull(),
  actor: text().notNull(),
  actorKind: text({ enum: ["user", "agent", "system"] }).notNull(),
  via: text().notNull(),
  action: text().notNull(),
  target: text().notNull(),
  details: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
});

/**
 * The audit log: append-only, one chain per workspace. Each entry's hash covers its content and
 * the previous entry's hash, so editing or removing an entry breaks every hash after it.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    seq: integer().notNull(),
    ...auditContent(),
    prevHash: text().notNull(),
    hash: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.seq] }), index("audit_action").on(t.workspaceId, t.action, t.at)],
);

/** Audit entries written with their action, waiting for the workspace's sealer to chain them (in id order). */
export const auditPending = sqliteTable(
  "audit_pending",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    workspaceId: text().notNull(),
    ...auditContent(),
  },
  (t) => [index("audit_pending_workspace").on(t.workspaceId, t.id)],
);

/** The sources (session and event seq) of audit entries a room's outbox has delivered, so a redelivery writes nothing. */
export const auditSources = sqliteTable(
  "audit_sources",
  {
    workspaceId: text().notNull(),
    source: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.source] })],
);

/** A workspace's approval rule set, one immutable row per version (the current set is the highest version). */
export const ruleSetVersions = sqliteTable(
  "rule_set_versions",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    version: integer().notNull(),
    /** The text as written (YAML or JSON), so comments survive `show` and `edit`. */
    source: text().notNull(),
    rules: checkedJson(RuleSet)().notNull(),
    authorId: text(),
    createdBy: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.version] })],
);

/** Signed checkpoints of a workspace's chain head (HMAC with a key kept outside D1). */
/** Named sets of members and workspace roles a rule's `ask` routes a call to (`decide_by: group:<name>`). */
export const approverGroups = sqliteTable(
  "approver_groups",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    name: text().notNull(),
    members: checkedJson(StoredGroupMembers)().notNull(),
    roles: checkedJson(StoredGroupRoles)().notNull(),
    updatedBy: text().notNull(),
    updatedAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name] })],
);

export const auditCheckpoints = sqliteTable(
  "audit_checkpoints",
  {
    workspaceId: text().notNull(),
    seq: integer().notNull(),
    hash: text().notNull(),
    mac: text().notNull(),
    at: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.seq] })],
);

/**
 * Device authorization (RFC 8628 in spirit): a CLI or an agent shows a short user code, a signed-in
 * member approves it, and the device's next poll receives a token, minted then and never stored.
 */
export const deviceCodes = sqliteTable(
  "device_codes",
  {
    deviceCodeHash: text().primaryKey(),
    userCode: text().notNull(),
    kind: text({ enum: ["cli", "agent"] }).notNull(),
    machineName: text(),
    status: text({ enum: ["pending", "approved", "denied", "used"] }).notNull(),
    workspaceId: text(),
    userId: text(),
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
    /** The approving token's scopes: the device's token gets these, never more (null: pending). */
    scopes: checkedJson(StoredScopes)(),
  },
  (t) => [uniqueIndex("device_codes_user_code").on(t.userCode)],
);

/** Invitations by link: a hashed one-time code with a role and an expiry. */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    codeHash: text().notNull(),
    email: text(),
    role: text({ enum: ["owner", "admin", "member", "viewer"] }).notNull(),
    createdBy: text().notNull(),
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
    acceptedAt: integer(),
    acceptedBy: text(),
    revokedAt: integer(),
  },
  (t) => [uniqueIndex("invitations_code").on(t.codeHash), index("invitations_workspace").on(t.workspaceId, t.createdAt)],
);

/**
 * Browser sign-ins: the cookie's secret is stored only as a hash. A session is bound to one
 * workspace and one user (like a token), carries the scopes it was granted, and ends at `expiresAt`
 * or when revoked (sign-out). Kept apart from api_tokens so token lists stay about tokens.
 */
export const browserSessions = sqliteTable(
  "browser_sessions",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    userId: text()
      .notNull()
      .references(() => users.id),
    subject: text().notNull(),
    scopes: checkedJson(StoredScopes)().notNull().default(sql`'["*"]'`),
    /** How the person signed in: `token` (a personal token, the local default), `oidc` or `github`. */
    method: text({ enum: ["token", "oidc", "github"] }).notNull(),
    secretHash: text().notNull(),
    createdAt: integer().notNull(),
    expiresAt: integer().notNull(),
    revokedAt: integer(),
    /** The personal token this session was exchanged for: the session lives only while that token does. */
    sourceTokenId: text(),
  },
  (t) => [uniqueIndex("browser_sessions_secret").on(t.secretHash), index("browser_sessions_user").on(t.workspaceId, t.userId)],
);

/**
 * External identities: who a provider says someone is (`issuer` + `subject`, e.g. an OIDC issuer
 * and its `sub`, or GitHub's base URL and numeric user id), mapped to one Tower user.
 */
export const identities = sqliteTable(
  "identities",
  {
    provider: text({ enum: ["oidc", "github"] }).notNull(),
    issuer: text().notNull(),
    subject: text().notNull(),
    userId: text()
      .notNull()
      .references(() => users.id),
    email: text(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.issuer, t.subject] }), index("identities_user").on(t.userId)],
);

/**
 * A workspace's OpenID Connect provider. The client secret is AES-GCM encrypted under the Worker
 * secret TOWER_SECRET_KEY (see worker/auth/secret-box.ts) and never leaves the Worker.
 */
export const workspaceSso = sqliteTable("workspace_sso", {
  workspaceId: text()
    .primaryKey()
    .references(() => workspaces.id),
  issuer: text().notNull(),
  clientId: text().notNull(),
  clientSecretSealed: text().notNull(),
  label: text().notNull(),
  /** Lower-case email domains allowed to sign in; empty means whoever the provider authenticates. */
  allowedDomains: checkedJson(StoredDomains)().notNull().default(sql`'[]'`),
  /** The role a person gets on first sign-in (just-in-time provisioning). */
  newUserRole: text({ enum: ["member", "viewer"] }).notNull(),
  /** The issuer's discovery document, read when the settings were saved (sign-ins never fetch it). */
  discovery: text({ mode: "json" }).$type<Record<string, unknown>>(),
  updatedBy: text().notNull(),
  updatedAt: integer().notNull(),
});

/**
 * One browser sign-in in flight (OIDC or GitHub): the hashed `state`, the PKCE verifier and nonce,
 * and the hash of a cookie that binds it to the browser that started it. Taken once, conditionally,
 * so a replayed state finds nothing.
 */
export const signInStates = sqliteTable("sign_in_states", {
  stateHash: text().primaryKey(),
  provider: text({ enum: ["oidc", "github"] }).notNull(),
  workspaceId: text(),
  bindingHash: text().notNull(),
  codeVerifier: text().notNull(),
  nonce: text(),
  /** For GitHub: the hash of the invitation code being accepted, if any. */
  invitationHash: text(),
  createdAt: integer().notNull(),
  expiresAt: integer().notNull(),
  usedAt: integer(),
});

/**
 * The search index (migrations/0004_search.sql, hand-written because of the FTS5 table
 * `search_fts`, whose rowid is `search_docs.id` and which drizzle does not model).
 */
export const searchDocs = sqliteTable(
  "search_docs",
  {
    id: integer().primaryKey(),
    workspaceId: text().notNull(),
    sessionId: text().notNull(),
    seq: integer().notNull(),
    part: integer().notNull(),
    kind: text().notNull(),
    toolName: text(),
    path: text(),
    at: integer().notNull(),
  },
  (t) => [
    uniqueIndex("search_docs_key").on(t.sessionId, t.seq, t.part),
    index("search_docs_workspace").on(t.workspaceId, t.at),
    index("search_docs_tool").on(t.workspaceId, t.toolName),
  ],
);

/** The local vector index: int8 unit vectors; `stamp` grows per workspace on every write. */
export const searchVectors = sqliteTable(
  "search_vectors",
  {
    docId: integer().primaryKey(),
    workspaceId: text().notNull(),
    sessionId: text().notNull(),
    kind: text().notNull(),
    toolName: text(),
    at: integer().notNull(),
    model: text().notNull(),
    stamp: integer().notNull(),
    vec: blob({ mode: "buffer" }).notNull(),
  },
  (t) => [index("search_vectors_stamp").on(t.workspaceId, t.stamp)],
);

/** Indexing jobs that failed every retry, from the dead-letter queue. */
export const searchDeadLetters = sqliteTable(
  "search_dead_letters",
  {
    id: integer().primaryKey(),
    workspaceId: text().notNull(),
    sessionId: text().notNull(),
    job: text().notNull(),
    attempts: integer().notNull(),
    at: integer().notNull(),
  },
  (t) => [index("search_dead_letters_workspace").on(t.workspaceId, t.at)],
);

/**
 * Templates: the team's (visibility `workspace`) or one author's (`private`) session recipes. The row
 * names the template and points at its newest version; each version is an immutable recipe.
 */
export const templates = sqliteTable(
  "templates",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    name: text().notNull(),
    description: text().notNull().default(""),
    visibility: text({ enum: ["workspace", "private"] }).notNull(),
    authorId: text().notNull(),
    latestVersion: integer().notNull(),
    createdAt: integer().notNull(),
    updatedAt: integer().notNull(),
    updatedBy: text().notNull(),
  },
  (t) => [uniqueIndex("templates_workspace_name").on(t.workspaceId, t.name)],
);

export const templateVersions = sqliteTable(
  "template_versions",
  {
    templateId: text()
      .notNull()
      .references(() => templates.id),
    version: integer().notNull(),
    recipe: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
    description: text().notNull().default(""),
    createdBy: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.templateId, t.version] })],
);

/**
 * Pipeline runs: one per Workflow instance chain. `plan` is the validated, expanded graph (templates
 * pinned to versions), so a run never changes under a later template edit.
 */
export const pipelineRuns = sqliteTable(
  "pipeline_runs",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    name: text().notNull(),
    status: text({ enum: ["running", "succeeded", "failed", "cancelled"] }).notNull(),
    statusReason: text().notNull().default(""),
    createdBy: text().notNull(),
    createdBySubject: text().notNull(),
    plan: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
    params: text({ mode: "json" }).$type<Record<string, string | number | boolean>>().notNull(),
    /** The Workflow instance driving the run now (a retry starts a new one). */
    instanceId: text().notNull(),
    createdAt: integer().notNull(),
    updatedAt: integer().notNull(),
    endedAt: integer(),
  },
  (t) => [index("pipeline_runs_workspace").on(t.workspaceId, t.createdAt)],
);

/** One row per expanded step (a matrix step has one per copy): its status, session, machine and outputs. */
export const pipelineSteps = sqliteTable(
  "pipeline_steps",
  {
    runId: text()
      .notNull()
      .references(() => pipelineRuns.id),
    stepId: text().notNull(),
    workspaceId: text().notNull(),
    position: integer().notNull(),
    status: text().notNull(),
    statusReason: text().notNull().default(""),
    attempts: integer().notNull().default(0),
    sessionId: text(),
    agentId: text(),
    agentName: text(),
    /** Every session this step launched, oldest first (retries add to it). */
    sessionIds: text({ mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    result: text(),
    costUsd: real().notNull().default(0),
    readyAt: integer(),
    startedAt: integer(),
    endedAt: integer(),
    notBefore: integer(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepId] })],
);

/**
 * Idempotency keys of session launches (migrations/0012_idempotency_keys.sql): (workspace, caller,
 * key) → the request's hash and the session id it was given, for a window (worker/db/idempotency.ts).
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    workspaceId: text().notNull(),
    subject: text().notNull(),
    key: text().notNull(),
    requestSha256: text().notNull(),
    sessionId: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.subject, t.key] }), index("idempotency_keys_age").on(t.workspaceId, t.subject, t.createdAt)],
);

/** A browser a member subscribed to Web Push in this workspace (routes/push.ts); its endpoint is unique per workspace. */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    userId: text().notNull(),
    endpoint: text().notNull(),
    p256dh: text().notNull(),
    auth: text().notNull(),
    device: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [uniqueIndex("push_subscriptions_endpoint").on(t.workspaceId, t.endpoint), index("push_subscriptions_user").on(t.workspaceId, t.userId)],
);

/** Which approvals a member wants pushed, and their quiet hours (absent row: every approval they may decide, no quiet hours). */
export const pushPreferences = sqliteTable(
  "push_preferences",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    userId: text().notNull(),
    scope: text({ enum: ["mine", "groups", "all"] }).notNull(),
    quiet: checkedJson(QuietHours)(),
    updatedAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);

/**
 * A person's device keys (public halves): an Ed25519 key of the CLI, later a passkey. `enrolment` and
 * `revocation` are signed statements the agent verifies itself; the server stores and forwards them.
 */
export const deviceKeys = sqliteTable(
  "device_keys",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id),
    userId: text().notNull(),
    alg: text().notNull(),
    publicKey: text().notNull(),
    label: text().notNull(),
    createdAt: integer().notNull(),
    revokedAt: integer(),
    enrolment: checkedJson(SignedEnrolment)(),
    revocation: checkedJson(SignedRevocation)(),
    webauthn: checkedJson(WebAuthnCredential)(),
    /** A passkey's signature counter as its last accepted assertion (or its registration) reported it. */
    signCount: integer().notNull().default(0),
  },
  (t) => [index("device_keys_workspace_user").on(t.workspaceId, t.userId)],
);

/** Passkey registration challenges: short-lived, consumed by the one registration that answers them. */
export const webauthnChallenges = sqliteTable("webauthn_challenges", {
  id: text().primaryKey(),
  workspaceId: text().notNull(),
  userId: text().notNull(),
  challenge: text().notNull(),
  expiresAt: integer().notNull(),
});
