/**
 * GitHub's OAuth web flow (GitHub is OAuth 2.0, not OpenID Connect, so openid-client's ID token
 * machinery does not apply): the authorize URL with state and PKCE S256, the code exchange, and
 * the user and verified emails from the REST API. Every response is parsed with zod; anything
 * unexpected is a refused sign-in, never a crash.
 */
import { z } from "zod";
import type { SignInConfig } from "./sign-in-config";
import { SignInFailure } from "./sign-in-flow";

type GitHub = NonNullable<SignInConfig["github"]>;

export interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  /** Lower-cased addresses GitHub has verified for this user; the primary one first. */
  verifiedEmails: string[];
}

const TokenResponse = z.union([z.object({ access_token: z.string().min(1) }), z.object({ error: z.string(), error_description: z.string().optional() })]);
const User = z.object({ id: z.number().int().positive(), login: z.string(), name: z.string().nullable().optional() });
const Emails = z.array(z.object({ email: z.string(), verified: z.boolean(), primary: z.boolean() }));

export function authorizeUrl(gh: GitHub, redirectUri: string, flow: { state: string; codeChallenge: string }): string {
  const u = new URL(`${gh.webUrl}/login/oauth/authorize`);
  u.search = new URLSearchParams({
    client_id: gh.clientId,
    redirect_uri: redirectUri,
    scope: "read:user user:email",
    state: flow.state,
    code_challenge: flow.codeChallenge,
    code_challenge_method: "S256",
    allow_signup: "false",
  }).toString();
  return u.href;
}

async function getJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new SignInFailure("provider_unreachable", `${what}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new SignInFailure("token_rejected", `${what}: HTTP ${res.status}`);
  return res.json().catch(() => {
    throw new SignInFailure("token_rejected", `${what}: not JSON`);
  });
}

/** Exchanges the code (with the PKCE verifier) for an access token, then reads who it belongs to. */
export async function githubUser(gh: GitHub, redirectUri: string, code: string, codeVerifier: string): Promise<GitHubUser> {
  const body = new URLSearchParams({ client_id: gh.clientId, client_secret: gh.clientSecret, code, redirect_uri: redirectUri, code_verifier: codeVerifier });
  const token = TokenResponse.safeParse(
    await getJson(
      `${gh.webUrl}/login/oauth/access_token`,
      { method: "POST", headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" }, body },
      "code exchange",
    ),
  );
  if (!token.success) throw new SignInFailure("token_rejected", "code exchange: unexpected response");
  if ("error" in token.data) throw new SignInFailure("token_rejected", `code exchange: ${token.data.error}`);
  const headers = {
    authorization: `Bearer ${token.data.access_token}`,
    accept: "application/vnd.github+json",
    "user-agent": "tower",
    "x-github-api-version": "2022-11-28",
  };
  const user = User.safeParse(await getJson(`${gh.apiUrl}/user`, { headers }, "GET /user"));
  const emails = Emails.safeParse(await getJson(`${gh.apiUrl}/user/emails`, { headers }, "GET /user/emails"));
  if (!user.success || !emails.success) throw new SignInFailure("token_rejected", "GitHub answered with an unexpected user or email list");
  const verified = emails.data.filter((e) => e.verified).sort((a, b) => Number(b.primary) - Number(a.primary));
  return { id: user.data.id, login: user.data.login, name: user.data.name ?? null, verifiedEmails: verified.map((e) => e.email.toLowerCase()) };
}
