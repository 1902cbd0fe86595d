/**
 * OpenID Connect through openid-client (panva): discovery, the authorization URL with PKCE S256,
 * state and nonce, and the code exchange with ID token validation (issuer, audience, expiry, nonce,
 * and the signature against the provider's JWKS — openid-client checks the signature only when
 * asked, `enableNonRepudiationChecks`, since over TLS it trusts the channel; we always ask).
 * Plain http is allowed only for a provider on this machine (tests, development). Discovery happens
 * when the settings are saved; a sign-in uses the stored document.
 */
import * as oidc from "openid-client";
import { isLoopbackUrl } from "../domain/sign-in";
import { SignInFailure } from "./sign-in-flow";

export interface Provider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's discovery document, read when an admin saved the settings (never on a sign-in's demand). */
  metadata: Record<string, unknown> | null;
}

export interface IdClaims {
  sub: string;
  email: string | undefined;
  emailVerified: unknown;
  name: string | undefined;
}

const isInsecure = (issuer: string) => new URL(issuer).protocol === "http:" && isLoopbackUrl(issuer);

/**
 * Reads the issuer's discovery document. Called only when an owner or admin saves the settings, so an
 * anonymous visitor of /auth/oidc/<workspace>/start never makes the Worker fetch an admin-set URL.
 */
export async function discover(issuer: string, clientId: string): Promise<Record<string, unknown>> {
  try {
    const config = await oidc.discovery(new URL(issuer), clientId, undefined, undefined, {
      execute: isInsecure(issuer) ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
    });
    return { ...config.serverMetadata() };
  } catch (e) {
    throw new SignInFailure("provider_unreachable", `discovery of ${issuer} failed: ${explain(e)}`);
  }
}

/** The client for a sign-in, from the stored discovery document: no network. */
function configure(p: Provider): oidc.Configuration {
  if (!p.metadata) throw new SignInFailure("sso_not_configured", `the provider ${p.issuer} was never discovered; an admin must save the SSO settings again`);
  const config = new oidc.Configuration(p.metadata as oidc.ServerMetadata, p.clientId, undefined, oidc.ClientSecretBasic(p.clientSecret));
  config.timeout = 10;
  if (isInsecure(p.issuer)) oidc.allowInsecureRequests(config);
  oidc.enableNonRepudiationChecks(config);
  return config;
}

export async function authorizationUrl(p: Provider, redirectUri: string, flow: { state: string; nonce: string; codeVerifier: string }): Promise<URL> {
  const config = configure(p);
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email profile",
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
    code_challenge_method: "S256",
  });
}

/** Exchanges the code on `callbackUrl` and validates the ID token; any failure is `token_rejected`. */
export async function exchangeCode(p: Provider, callbackUrl: URL, flow: { state: string; nonce: string | null; codeVerifier: string }): Promise<IdClaims> {
  const config = configure(p);
  let claims: Record<string, unknown> & { sub: string };
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce ?? undefined,
      idTokenExpected: true,
    });
    const id = tokens.claims();
    if (!id?.sub) throw new Error("no ID token subject");
    claims = id;
    // Strictly conforming providers put scope claims (email, name) only in UserInfo, not the ID token.
    if (claims.email === undefined && config.serverMetadata().userinfo_endpoint) {
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, id.sub)), ...id };
    }
  } catch (e) {
    throw new SignInFailure("token_rejected", explain(e));
  }
  return {
    sub: claims.sub,
    email: typeof claims.email === "string" ? claims.email : undefined,
    emailVerified: claims.email_verified,
    name: typeof claims.name === "string" ? claims.name : undefined,
  };
}

/** openid-client's messages are generic ("invalid response encountered"); the cause says what failed. */
function explain(e: unknown): string {
  const err = e as Error & { code?: string; cause?: unknown };
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${err.code ? ` (${err.code})` : ""}${cause}`;
}

/** PKCE (RFC 7636) for every provider flow, OIDC or GitHub. */
export const randomCodeVerifier = () => oidc.randomPKCECodeVerifier();
export const codeChallengeFor = (verifier: string) => oidc.calculatePKCECodeChallenge(verifier);
