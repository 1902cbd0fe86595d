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

/** Public sign-in endpoints (device flow, invitations, browser sessions, OIDC and GitHub) per client address. */
export async function limitSignIns(c: { env: Pick<Env, "SIGNIN_LIMITER">; req: { header(name: string): string | undefined } }): Promise<void> {
  const address = c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for") ?? "local";
  const { success } = await c.env.SIGNIN_LIMITER.limit({ key: `signin:${address}` });
  if (!success) throw new ApiError("RATE_LIMITED", "Too many sign-in attempts from this address; wait a minute and try again.");
}
