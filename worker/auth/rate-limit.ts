/**
 * Rate limits through the Workers rate limiting binding. Decisions are keyed by token, so one runaway
 * script cannot drown a workspace's approvals; device approvals by member, so guessing user codes is
 * bounded; public sign-ins by client address, but only an address the front door vouches for.
 */
import { signInBucket } from "../domain/sign-in";
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

/**
 * Approving or denying a device sign-in by its user code, per member (not per token: a member can mint
 * tokens), so nobody can walk the code space looking for someone else's pending sign-in.
 */
export async function limitDeviceDecisions(
  env: Pick<Env, "DEVICE_LIMITER">,
  actor: { workspaceId: string; userId: string | null; subject: string },
): Promise<void> {
  const { success } = await env.DEVICE_LIMITER.limit({ key: `device:${actor.workspaceId}:${actor.userId ?? actor.subject}` });
  if (!success)
    throw new ApiError("RATE_LIMITED", "Too many device codes tried in the last minute; check the code on the device's screen and try again in a minute.");
}

/** Public sign-in endpoints (device flow, invitations, browser sessions, OIDC and GitHub) per client address. */
export async function limitSignIns(c: {
  env: Pick<Env, "SIGNIN_LIMITER"> & { CLIENT_ADDRESS_HEADER?: string };
  req: { header(name: string): string | undefined };
}): Promise<void> {
  const { success } = await c.env.SIGNIN_LIMITER.limit({ key: signInBucket(c.env.CLIENT_ADDRESS_HEADER, (n) => c.req.header(n)) });
  if (!success) throw new ApiError("RATE_LIMITED", "Too many sign-in attempts from this address; wait a minute and try again.");
}
