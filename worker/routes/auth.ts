/**
 * /api/auth/device: sign-in without a browser session. A CLI (`tower login`) or an agent
 * (`tower agent --enroll`) starts a flow and shows a user code; a member approves it (web page or
 * `tower device approve`); the device's next poll gets its token. Approving an agent enrolls a new
 * machine owned by the approving member (never an existing one: a taken name is refused with 409).
 * Start and poll are public and rate limited per address; approval is rate limited per member, so
 * user codes cannot be guessed.
 */
import { auditQuery, recordAudit } from "../auth/audit";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createAgent, findAgent } from "../db/agents";
import { isUnreadable } from "../db/checked-json";
import { byDeviceCode, claimApproved, createDeviceCode, decideDevice, pendingByUserCode } from "../db/device";
import { insertTokenQuery } from "../db/tokens";
import { can } from "../domain/policy";
import { formatUserCode, newSecret, newUserCode } from "../domain/user-code";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { DECIDED_STATUS } from "../protocol/approval";
import { DeviceApproveBody, DeviceStart, DeviceStartBody, DeviceTokenBody, DeviceTokenResult } from "../protocol/enrollment";
import { ApiError } from "../protocol/errors";
import { newId, type AgentId, type WorkspaceId } from "../protocol/ids";
import { hashToken, mintToken } from "../protocol/tokens";
import { limitDeviceDecisions, limitSignIns } from "../auth/rate-limit";

const tags = ["auth"];
const TTL_MS = 10 * 60 * 1000;
const INTERVAL_S = 2;
const DAY = 24 * 3600 * 1000;

export const auth = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/device",
      tags,
      request: jsonBody(DeviceStartBody),
      responses: { 201: jsonResponse(DeviceStart, "Show userCode; poll with deviceCode."), ...errorResponses },
    }),
    async (c) => {
      await limitSignIns(c);
      const body = c.req.valid("json");
      const deviceCode = newSecret("dev_");
      const userCode = newUserCode();
      const now = Date.now();
      await createDeviceCode(c.var.deps.db, {
        deviceCodeHash: await hashToken(deviceCode),
        userCode,
        kind: body.kind,
        machineName: body.machineName ?? null,
        createdAt: now,
        expiresAt: now + TTL_MS,
      });
      const origin = new URL(c.req.url).origin;
      return c.json(
        { deviceCode, userCode: formatUserCode(userCode), verificationUri: `${origin}/device`, expiresIn: TTL_MS / 1000, interval: INTERVAL_S },
        201,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/device/token",
      tags,
      request: jsonBody(DeviceTokenBody),
      responses: { 200: jsonResponse(DeviceTokenResult, "Pending, or the token (once)."), ...errorResponses },
    }),
    async (c) => {
      await limitSignIns(c);
      const { db } = c.var.deps;
      const hash = await hashToken(c.req.valid("json").deviceCode);
      const row = await byDeviceCode(db, hash);
      if (!row || row.status === "used" || (row.status === "pending" && row.expiresAt <= Date.now())) {
        throw new ApiError("NOT_FOUND", "Unknown, used or expired code; start the sign-in again.");
      }
      if (row.status === "denied") throw new ApiError("FORBIDDEN", "The sign-in was denied.");
      if (row.status === "pending") return c.json({ status: "pending" as const, interval: INTERVAL_S }, 200);
      // Scopes that no longer read could grant anything: the approval is void, never a token with them.
      const { scopes } = row;
      if (isUnreadable(scopes))
        throw new ApiError(
          "FORBIDDEN",
          `The approved sign-in's stored scopes could not be read (${scopes.unreadable}), so no token is issued. Start the sign-in again.`,
        );
      if (!(await claimApproved(db, hash))) throw new ApiError("NOT_FOUND", "This code was already used.");
      return c.json(await issueFor(c, { ...row, scopes }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/device/approve",
      tags,
      request: jsonBody(DeviceApproveBody),
      responses: {
        200: jsonResponse(z.object({ status: z.enum(["approved", "denied"]), kind: z.enum(["cli", "agent"]), machineName: z.string().nullable() }), "Decided."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { userCode, decision } = c.req.valid("json");
      const actor = c.var.auth;
      await limitDeviceDecisions(c.env, actor);
      const { db } = c.var.deps;
      const row = await pendingByUserCode(db, userCode, Date.now());
      if (!row) throw new ApiError("NOT_FOUND", "No pending sign-in with that code; it may have expired (codes last 10 minutes).");
      if (decision === "approve" && row.kind === "agent") {
        if (!can(actor, "session.create").ok) throw new ApiError("FORBIDDEN", "Workspace viewers cannot enroll machines.");
        // An enrollment always makes a new machine: re-issuing an existing one's token would hand its
        // launches (and its owner's trust) to whoever typed its name, whoever owns it.
        if (await findAgent(db, actor.workspaceId, row.machineName!)) throw nameTaken(row.machineName!);
      }
      if (!(await decideDevice(db, userCode, DECIDED_STATUS[decision], { workspaceId: actor.workspaceId, userId: actor.userId ?? "", scopes: actor.scopes }))) {
        throw new ApiError("CONFLICT", "That sign-in was decided a moment ago.");
      }
      await recordAudit(c, `signin.device.${decision}`, row.kind === "agent" ? `machine:${row.machineName}` : "cli", {}, "device");
      return c.json({ status: DECIDED_STATUS[decision], kind: row.kind, machineName: row.machineName }, 200);
    },
  );

const nameTaken = (name: string) =>
  new ApiError(
    "CONFLICT",
    `A machine named "${name}" is already enrolled in this workspace, and an enrollment never takes over an existing machine; enroll this one under another name (\`tower agent --enroll --name <other>\`).`,
  );

/**
 * Mints the device's token: a personal token for a CLI, with the scopes of the token that approved
 * it (never more), or an enrolled machine's agent token.
 */
async function issueFor(
  c: Context<AppEnv>,
  row: { kind: "cli" | "agent"; workspaceId: string | null; userId: string | null; machineName: string | null; scopes: string[] | null },
) {
  const { db } = c.var.deps;
  const workspaceId = row.workspaceId!;
  const userId = row.userId!;
  const now = Date.now();
  const token = mintToken();
  const tokenHash = await hashToken(token);
  if (row.kind === "cli") {
    await db.batch([
      insertTokenQuery(
        db,
        {
          id: newId("tok"),
          workspaceId,
          kind: "user",
          name: "tower login",
          subject: userId,
          userId,
          scopes: row.scopes ?? [],
          expiresAt: now + 90 * DAY,
          tokenHash,
        },
        now,
      ),
      auditQuery(c, { workspaceId, actor: userId, actorKind: "user", via: "device", action: "signin.cli", target: userId, details: {} }),
    ]);
    return { status: "approved" as const, token, kind: "cli" as const, workspaceId: workspaceId as WorkspaceId, agentId: null, machineName: null };
  }
  const agent = await createAgent(db, workspaceId, row.machineName!, now, userId);
  if (!agent) throw nameTaken(row.machineName!);
  await db.batch([
    insertTokenQuery(db, { id: newId("tok"), workspaceId, kind: "agent", name: agent.name, subject: `agent:${agent.name}`, agentId: agent.id, tokenHash }, now),
    auditQuery(c, { workspaceId, actor: userId, actorKind: "user", via: "device", action: "machine.enroll", target: agent.id, details: { name: agent.name } }),
  ]);
  return {
    status: "approved" as const,
    token,
    kind: "agent" as const,
    workspaceId: workspaceId as WorkspaceId,
    agentId: agent.id as AgentId,
    machineName: agent.name,
  };
}
