/**
 * The shared frame of a browser sign-in through a provider (OIDC, GitHub): start records a
 * single-use `state` with the PKCE verifier and nonce, and sets a short-lived cookie binding the
 * flow to this browser; finish takes the state once and checks the cookie, so a replayed state,
 * an expired one, or a callback link planted in another browser is refused. Failures in a browser
 * flow go back to `/signin?error=<code>`, never to a stack trace.
 */
import type { Context } from "hono";
import { insertSignInState, takeSignInState, type SignInState } from "../db/sign-in-states";
import type { AppEnv } from "../env";
import { ApiError } from "../protocol/errors";
import type { SignInError } from "../protocol/sign-in";
import { hashToken, mintToken } from "../protocol/tokens";
import { BINDING_COOKIE, clearCookie, readCookie, writeCookie } from "./cookies";
import { limitSignIns } from "./rate-limit";

const FLOW_TTL_MS = 10 * 60 * 1000;

/** A browser sign-in ends here with a reason the sign-in page can show. */
export class SignInFailure extends Error {
  constructor(
    readonly code: SignInError,
    detail: string,
  ) {
    super(detail);
  }
}

export interface Started {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function startFlow(
  c: Context<AppEnv>,
  flow: { provider: SignInState["provider"]; workspaceId?: string; invitationHash?: string; codeVerifier: string },
): Promise<Started> {
  const state = mintToken();
  const nonce = mintToken();
  const binding = mintToken();
  const now = Date.now();
  await insertSignInState(c.var.deps.db, {
    stateHash: await hashToken(state),
    provider: flow.provider,
    workspaceId: flow.workspaceId ?? null,
    bindingHash: await hashToken(binding),
    codeVerifier: flow.codeVerifier,
    nonce,
    invitationHash: flow.invitationHash ?? null,
    createdAt: now,
    expiresAt: now + FLOW_TTL_MS,
  });
  writeCookie(c, BINDING_COOKIE, binding, FLOW_TTL_MS / 1000);
  return { state, nonce, codeVerifier: flow.codeVerifier };
}

/** Takes the flow named by `state` (once), checking it was started in this browser. */
export async function finishFlow(c: Context<AppEnv>, provider: SignInState["provider"]): Promise<SignInState & { state: string }> {
  const state = c.req.query("state");
  const binding = readCookie(c, BINDING_COOKIE);
  clearCookie(c, BINDING_COOKIE);
  if (!state || state.length > 200) throw new SignInFailure("invalid_state", "no state in the callback");
  const row = await takeSignInState(c.var.deps.db, await hashToken(state), provider, Date.now());
  if (!row) throw new SignInFailure("invalid_state", "unknown, used or expired state");
  if (!binding || (await hashToken(binding)) !== row.bindingHash) throw new SignInFailure("invalid_state", "the sign-in was started in another browser");
  const error = c.req.query("error");
  if (error) throw new SignInFailure("invalid_request", `the provider said ${error.slice(0, 100)}`);
  return { ...row, state };
}

/**
 * Runs a browser step: rate limited, and any failure becomes a redirect to /signin with a code.
 * Unexpected errors are logged with the request id and shown only as their code.
 */
export async function browserStep(c: Context<AppEnv>, step: () => Promise<Response>): Promise<Response> {
  try {
    await limitSignIns(c);
    return await step();
  } catch (e) {
    const code: SignInError = e instanceof SignInFailure ? e.code : e instanceof ApiError && e.code === "RATE_LIMITED" ? "rate_limited" : "server_error";
    // Operators need the detail behind a refused provider sign-in; stale links and rate limits are routine.
    if (code === "server_error") console.error(`sign-in ${c.req.path} (request ${c.get("requestId")}) failed`, e);
    else if (code !== "invalid_state" && code !== "rate_limited")
      console.warn(`sign-in ${c.req.path} (request ${c.get("requestId")}) refused: ${code}: ${(e as Error).message}`);
    return c.redirect(`/signin?error=${code}`, 302);
  }
}
