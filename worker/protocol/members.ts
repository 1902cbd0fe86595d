/**
 * Members, roles, personal tokens and the audit log on the wire. Roles: owner and admin
 * administer, member launches and acts on sessions it may act on, viewer only reads.
 */
import { z } from "zod";
import { UserId } from "./ids";
import { JsonValue } from "./json";

export const WorkspaceRole = z.enum(["owner", "admin", "member", "viewer"]);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;

export const Member = z.object({
  userId: UserId,
  name: z.string(),
  email: z.string().nullable(),
  role: WorkspaceRole,
  createdAt: z.number().int(),
});
export type Member = z.infer<typeof Member>;

export const AddMemberBody = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  role: WorkspaceRole.default("member"),
});
export type AddMemberBody = z.infer<typeof AddMemberBody>;

export const PatchMemberBody = z.object({ role: WorkspaceRole });
export type PatchMemberBody = z.infer<typeof PatchMemberBody>;

export const TokenScope = z.enum(["*", "read", "sessions:write", "tokens", "admin"]);
export type TokenScope = z.infer<typeof TokenScope>;

export const TokenInfo = z.object({
  id: z.string(),
  kind: z.enum(["user", "agent"]),
  name: z.string(),
  subject: z.string(),
  userId: z.string().nullable(),
  agentId: z.string().nullable(),
  scopes: z.array(z.string()),
  /** Set when the stored scopes no longer read: why; the token is then refused (shown with no scopes). */
  scopesUnreadable: z.string().optional(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
  rotatedFrom: z.string().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const CreateTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(TokenScope).min(1).max(5).default(["*"]),
  /** Days until it expires; omitted means 90. Tokens that never expire are not offered. */
  expiresInDays: z.number().int().min(1).max(365).default(90),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** A token as created or rotated: the secret is in this response and nowhere else, ever. */
export const IssuedToken = z.object({ token: z.string(), info: TokenInfo });
export type IssuedToken = z.infer<typeof IssuedToken>;

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  actor: z.string(),
  actorKind: z.enum(["user", "agent", "system"]),
  via: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), JsonValue),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  since: z.coerce.number().int().optional(),
  until: z.coerce.number().int().optional(),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditVerification = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first entry whose hash does not match its content and predecessor. */
  brokenAt: z.number().int().nullable(),
  reason: z.string().nullable(),
});
export type AuditVerification = z.infer<typeof AuditVerification>;

/** A token's or browser session's scopes as stored: read back through this (worker/db/checked-json.ts). */
export const StoredScopes = z.array(z.string());

export const Me = z.object({
  user: z.object({ id: z.string(), name: z.string(), email: z.string().nullable() }).nullable(),
  workspaceId: z.string(),
  role: WorkspaceRole.nullable(),
  scopes: z.array(z.string()),
  workspaces: z.array(z.object({ workspaceId: z.string(), name: z.string(), role: WorkspaceRole })),
});
export type Me = z.infer<typeof Me>;

export const SwitchWorkspaceBody = z.object({ workspaceId: z.string().regex(/^wsp_[0-9a-z]{20}$/, "must be a wsp_ id") });
