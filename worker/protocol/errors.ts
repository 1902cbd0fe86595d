/**
 * The one error model of Tower: codes, their HTTP statuses, and the envelope that every HTTP
 * error response and every WebSocket `error` frame carries. Clients re-raise it as `ApiError`.
 */
import { z } from "zod";

export const ErrorCode = z.enum(["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "SESSION_CLOSED", "RATE_LIMITED", "INTERNAL"]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorIssue = z.object({ path: z.string(), message: z.string() });
export type ErrorIssue = z.infer<typeof ErrorIssue>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  requestId: z.string(),
  issues: z.array(ErrorIssue).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const ErrorEnvelope = z.object({ error: ErrorBody });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** The HTTP status for each code; exhaustive so a new code cannot ship without one. */
export function statusFor(code: ErrorCode): 400 | 401 | 403 | 404 | 409 | 410 | 429 | 500 {
  switch (code) {
    case "BAD_REQUEST":
      return 400;
    case "UNAUTHORIZED":
      return 401;
    case "FORBIDDEN":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "CONFLICT":
      return 409;
    case "SESSION_CLOSED":
      return 410;
    case "RATE_LIMITED":
      return 429;
    case "INTERNAL":
      return 500;
  }
}

export { ApiError } from "./api-error";

/** Converts zod issues into the envelope's `issues` list. */
export function issuesFrom(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
}
