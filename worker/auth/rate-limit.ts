/**
 * Rate limits through the Workers rate limiting binding. Keyed by token, so one runaway script
 * cannot drown a workspace's approvals, and a person deciding by hand never notices.
 */
import { ApiError } from "../protocol/errors";

export async function decisionAllowed(env: Pick<Env, "DECISION_LIMITER">, tokenId: string): Promise<boolean> {
  const { success } = await env.DECISION_LIMITER.limit({ key: `decide:${tokenId}` });
  return success;
}

export async function limitDecisions(env: Pick<Env, "DECISION_LIMITER">, tokenId: string): Promise<void> {
  if (!(await decisionAllowed(env, tokenId))) {
    throw new ApiError("RATE_LIMITED", "Too many decisions from this token in the last minute; wait a little and try again.");
  }
}
