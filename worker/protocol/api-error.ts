/**
 * `ApiError`, apart from the zod schemas of errors.ts (which re-exports it): the `tower` CLI's error
 * report tells it apart from other failures, and must not parse zod to do so (`tower --help` ends there).
 */
import type { ErrorCode, ErrorIssue } from "./errors";

/** An expected failure with a code; thrown at the edge and turned into the envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}
