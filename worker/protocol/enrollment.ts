/**
 * Signing in devices and people without a browser session: the device flow (`tower login`, and a
 * machine's enrollment by `tower agent --enroll`) and invitations by link.
 */
import { z } from "zod";
import { AgentId, InvitationId, UserId, WorkspaceId } from "./ids";
import { WorkspaceRole } from "./members";
import { MachineDenyRules } from "./rules";

export const DeviceStartBody = z
  .object({
    kind: z.enum(["cli", "agent"]),
    /** For `agent`: the machine's name as it will appear in Tower. */
    machineName: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, dot, dash or underscore")
      .optional(),
  })
  .refine((b) => b.kind !== "agent" || b.machineName, { message: "an agent enrollment needs machineName", path: ["machineName"] });
export type DeviceStartBody = z.infer<typeof DeviceStartBody>;

export const DeviceStart = z.object({
  deviceCode: z.string(),
  userCode: z.string(),
  verificationUri: z.string(),
  expiresIn: z.number().int(),
  interval: z.number().int(),
});
export type DeviceStart = z.infer<typeof DeviceStart>;

export const DeviceTokenBody = z.object({ deviceCode: z.string().min(20).max(200) });

export const DeviceTokenResult = z.discriminatedUnion("status", [
  z.object({ status: z.literal("pending"), interval: z.number().int() }),
  z.object({
    status: z.literal("approved"),
    token: z.string(),
    kind: z.enum(["cli", "agent"]),
    workspaceId: WorkspaceId,
    agentId: AgentId.nullable(),
    machineName: z.string().nullable(),
  }),
]);
export type DeviceTokenResult = z.infer<typeof DeviceTokenResult>;

/** User codes are 8 letters from an alphabet without look-alikes, shown as ABCD-EFGH. */
export const UserCode = z
  .string()
  .trim()
  .toUpperCase()
  .transform((s) => s.replace(/[^A-Z]/g, ""))
  .pipe(z.string().length(8, "the code has 8 letters, like ABCD-EFGH"));

export const DeviceApproveBody = z.object({ userCode: UserCode, decision: z.enum(["approve", "deny"]).default("approve") });
export type DeviceApproveBody = z.infer<typeof DeviceApproveBody>;

export const CreateInvitationBody = z.object({
  email: z.email().max(320).optional(),
  role: WorkspaceRole.exclude(["owner"]).default("member"),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
});
export type CreateInvitationBody = z.infer<typeof CreateInvitationBody>;

export const Invitation = z.object({
  id: InvitationId,
  email: z.string().nullable(),
  role: WorkspaceRole,
  createdBy: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  acceptedAt: z.number().int().nullable(),
  acceptedBy: z.string().nullable(),
  revokedAt: z.number().int().nullable(),
});
export type Invitation = z.infer<typeof Invitation>;

/** An invitation as created: its code (in the link) is shown only here. */
export const IssuedInvitation = z.object({ invitation: Invitation, code: z.string(), url: z.string() });

/** A newcomer gives a name and email for the new account; a signed-in caller gives only the code. */
export const AcceptInvitationBody = z.object({
  code: z.string().min(20).max(200),
  name: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
});
export type AcceptInvitationBody = z.infer<typeof AcceptInvitationBody>;

export const AcceptedInvitation = z.object({ token: z.string(), workspaceId: WorkspaceId, userId: UserId, role: WorkspaceRole });

/** A machine's launch allow-lists as stored: read back through these (worker/db/checked-json.ts), never trusted. */
export const StoredAllowedUsers = z.array(z.string()).nullable();
export const StoredMcpCommands = z.array(z.string());

export const PatchAgentBody = z
  .object({
    /** Who may launch here: user ids, or null for every member who may launch. */
    allowedUsers: z.array(UserId).max(500).nullable().optional(),
    /** The stdio MCP server commands sessions may start here, exactly as a launch spec names them. */
    allowedMcpCommands: z.array(z.string().min(1).max(4096)).max(100).optional(),
    /** The owner's deny policy: tool calls denied on this machine whatever the workspace's rules or a person say; null: none. */
    denyRules: MachineDenyRules.nullable().optional(),
    /**
     * Require signed decisions here: Tower refuses an unsigned approve and turns rule allows into asks. The
     * machine's own guarantee is its agent's pinned trust (`tower agent --owner-key`), which this cannot turn off.
     */
    requireSignedDecisions: z.boolean().optional(),
  })
  .refine(
    (b) => b.allowedUsers !== undefined || b.allowedMcpCommands !== undefined || b.denyRules !== undefined || b.requireSignedDecisions !== undefined,
    "give allowedUsers, allowedMcpCommands, denyRules or requireSignedDecisions",
  );
export type PatchAgentBody = z.infer<typeof PatchAgentBody>;
