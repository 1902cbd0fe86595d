/**
 * HTTP plumbing shared by every route: a router factory whose validation failures become the
 * error envelope, the one `onError`, and the OpenAPI descriptions of JSON bodies and errors.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import type { AppEnv } from "./env";
import { ApiError, ErrorEnvelope, issuesFrom, statusFor } from "./protocol/errors";

/** A router whose request validation throws `ApiError("BAD_REQUEST")` with the zod issues. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = issuesFrom(result.error as z.ZodError);
        const first = issues[0];
        throw new ApiError("BAD_REQUEST", first ? `${first.path}: ${first.message}` : "invalid request", issues);
      }
    },
  });
}

export function onError(err: Error, c: Context<AppEnv>) {
  const requestId = c.get("requestId") ?? "unknown";
  if (err instanceof ApiError) {
    const body = { error: { code: err.code, message: err.message, requestId, ...(err.issues ? { issues: err.issues } : {}) } };
    return c.json(body, statusFor(err.code));
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx (e.g. a body that is not JSON) keeps its status, in our envelope.
    return c.json({ error: { code: "BAD_REQUEST" as const, message: err.message || "The request is malformed.", requestId } }, 400);
  }
  console.error(`request ${requestId} failed`, err);
  return c.json({ error: { code: "INTERNAL" as const, message: "Something went wrong on our side.", requestId } }, 500);
}

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/** The error responses a route may give, all in the one envelope. */
export const errorResponses = {
  400: jsonResponse(ErrorEnvelope, "The request is invalid; `issues` says what to fix."),
  401: jsonResponse(ErrorEnvelope, "Missing, unknown, revoked or expired bearer token."),
  404: jsonResponse(ErrorEnvelope, "No such resource in this workspace."),
  409: jsonResponse(ErrorEnvelope, "The resource is in a state that does not allow this."),
  410: jsonResponse(ErrorEnvelope, "The session has ended."),
} as const;

/** Turns a room/domain refusal into the thrown ApiError. */
export function orThrow<T>(r: { ok: true; value: T } | { ok: false; code: ApiError["code"]; message: string }): T {
  if (!r.ok) throw new ApiError(r.code, r.message);
  return r.value;
}

/** Checks a WebSocket upgrade request and its `:id` parameter; returns the parsed id. */
export function upgradeFor<T>(c: Context<AppEnv>, idSchema: z.ZodType<T>): T {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("BAD_REQUEST", "This endpoint expects a WebSocket upgrade (Upgrade: websocket).");
  }
  const raw = c.req.param("id");
  if (raw === undefined) return undefined as T;
  const r = idSchema.safeParse(raw);
  if (!r.success) throw new ApiError("BAD_REQUEST", `id: ${r.error.issues[0]?.message ?? "invalid"}`, issuesFrom(r.error));
  return r.data;
}
