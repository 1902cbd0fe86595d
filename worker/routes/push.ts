/**
 * /api/me/push: the caller's own Web Push devices and preferences, and the VAPID public key a browser
 * subscribes with. A subscription's endpoint must be a known browser push service (domain/push.ts),
 * so no one can make the Worker POST to an address of their choosing; the sender checks it again.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { deletePushDevice, getPushPreferences, listPushDevices, putPushPreferences, upsertPushSubscription } from "../db/push";
import { isAllowedPushEndpoint, PUSH_SERVICE_HOSTS } from "../domain/push";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { ApiError } from "../protocol/errors";
import { newId, PushDeviceId } from "../protocol/ids";
import { PushDevice, PushDevices, PushKey, PushPreferences, PushSubscribeBody } from "../protocol/push";
import { pushConfig } from "../push/send";
import { workspaceHub } from "../rooms";

const tags = ["push"];

/** Push is a person's: a token that speaks for no person (a machine, a bare admin token) has no devices. */
function personOf(c: Context<AppEnv>): string {
  const userId = c.var.auth.userId;
  if (!userId) throw new ApiError("FORBIDDEN", "Push notifications belong to a person; this token speaks for none. Sign in to the web app.");
  return userId;
}

export const push = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/key",
      tags,
      responses: { 200: jsonResponse(PushKey, "The VAPID public key (null: push is not configured)."), ...errorResponses },
    }),
    (c) => c.json({ publicKey: pushConfig(c.env).vapid?.publicKey ?? null }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      responses: { 200: jsonResponse(PushDevices, "Your subscribed devices and push preferences."), ...errorResponses },
    }),
    async (c) => {
      const userId = personOf(c);
      const { db } = c.var.deps;
      const ws = c.var.auth.workspaceId;
      const [devices, { preferences, quietUnreadable }] = await Promise.all([listPushDevices(db, ws, userId), getPushPreferences(db, ws, userId)]);
      return c.json({ devices, preferences, ...(quietUnreadable ? { quietUnreadable } : {}) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(PushSubscribeBody),
      responses: { 200: jsonResponse(PushDevice, "This device is subscribed (again: its endpoint replaces the old row)."), ...errorResponses },
    }),
    async (c) => {
      const userId = personOf(c);
      const body = c.req.valid("json");
      const cfg = pushConfig(c.env);
      if (!cfg.vapid) throw new ApiError("CONFLICT", "Push is not configured on this Tower: set VAPID_PRIVATE_KEY (see the README, Push notifications).");
      if (!isAllowedPushEndpoint(body.endpoint, cfg.allowLoopback))
        throw new ApiError("BAD_REQUEST", `The endpoint is not a known browser push service (${PUSH_SERVICE_HOSTS.join(", ")}, https only).`);
      const now = Date.now();
      const id = await upsertPushSubscription(c.var.deps.db, c.var.auth.workspaceId, userId, newId("psh"), body, now);
      // Before answering: the hub may have found no devices and stopped looking; this one must get the next call.
      await (await workspaceHub(c.env, c.var.auth.workspaceId)).pushSubscribed();
      return c.json({ id, device: body.device, service: new URL(body.endpoint).host, createdAt: now }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/preferences",
      tags,
      request: jsonBody(PushPreferences),
      responses: { 200: jsonResponse(PushPreferences, "Your push preferences as saved."), ...errorResponses },
    }),
    async (c) => {
      const userId = personOf(c);
      const p = c.req.valid("json");
      await putPushPreferences(c.var.deps.db, c.var.auth.workspaceId, userId, p, Date.now());
      return c.json(p, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      request: { params: z.object({ id: PushDeviceId }) },
      responses: {
        200: jsonResponse(z.object({ deleted: z.boolean() }), "The device gets no more pushes (deleted: false when you had no such device)."),
        ...errorResponses,
      },
    }),
    async (c) => {
      const userId = personOf(c);
      const { id } = c.req.valid("param");
      // Idempotent, and only ever one's own device: another person's id deletes nothing.
      return c.json({ deleted: await deletePushDevice(c.var.deps.db, c.var.auth.workspaceId, userId, id) }, 200);
    },
  );
