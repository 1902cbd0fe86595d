/**
 * Browser sign-in on the wire: exchanging a personal token for a session cookie, the sign-in
 * methods the sign-in page can offer, per-workspace OpenID Connect settings, and the error codes
 * a browser flow puts in `/signin?error=<code>` for the page to explain.
 */
import { z } from "zod";
import { WorkspaceId } from "./ids";

export const CreateBrowserSessionBody = z.object({ token: z.string().trim().min(10).max(200) });
export type CreateBrowserSessionBody = z.infer<typeof CreateBrowserSessionBody>;

export const SignedOut = z.object({ signedOut: z.boolean() });
export type SignedOut = z.infer<typeof SignedOut>;

export const SignInProviders = z.object({
  /** Pasting a personal token (or following `/signin#token=…`, as `npm start` prints) always works. */
  token: z.literal(true),
  github: z.boolean(),
  oidc: z.array(z.object({ workspaceId: WorkspaceId, workspaceName: z.string(), label: z.string() })),
});
export type SignInProviders = z.infer<typeof SignInProviders>;

/** `workspace`: the id in the SSO sign-in link an admin shares; without it no SSO provider is shown. */
export const ProvidersQuery = z.object({ workspace: WorkspaceId.optional() });
export type ProvidersQuery = z.infer<typeof ProvidersQuery>;

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, "must be a domain like example.com");

export const PutSsoBody = z.object({
  issuer: z.url({ protocol: /^https?$/ }).max(500),
  clientId: z.string().trim().min(1).max(500),
  /** Required the first time; omitted later, the stored secret is kept. */
  clientSecret: z.string().min(1).max(2000).optional(),
  /** Shown on the sign-in button; defaults to the issuer's host. */
  label: z.string().trim().min(1).max(100).optional(),
  allowedDomains: z.array(Domain).max(50).default([]),
  newUserRole: z.enum(["member", "viewer"]).default("member"),
});
export type PutSsoBody = z.infer<typeof PutSsoBody>;

/** The allowed email domains as stored: read back through this (worker/db/checked-json.ts). */
export const StoredDomains = z.array(z.string());

/** A workspace's SSO settings as shown to its admins: never the client secret. */
export const SsoConfig = z.object({
  issuer: z.string(),
  clientId: z.string(),
  label: z.string(),
  allowedDomains: z.array(z.string()),
  newUserRole: z.enum(["member", "viewer"]),
  hasClientSecret: z.literal(true),
  /** What to register at the provider as the redirect (callback) URI. */
  redirectUri: z.string(),
  /** The link to share: /signin offers this workspace's SSO only when the link names it. */
  signInUrl: z.string(),
  updatedBy: z.string(),
  updatedAt: z.number().int(),
  /** Why the stored allowed domains no longer read: no one signs in through SSO until they are saved again. */
  allowedDomainsUnreadable: z.string().optional(),
});
export type SsoConfig = z.infer<typeof SsoConfig>;

/** Why a browser sign-in ended back on /signin; the page maps each to a sentence. */
export const SignInError = z.enum([
  "invalid_request", // the provider's redirect was malformed, or the provider reported an error
  "invalid_state", // unknown, expired, used, or begun in another browser
  "sso_not_configured",
  "github_not_configured",
  "provider_unreachable",
  "token_rejected", // code exchange or ID token validation failed (signature, issuer, audience, expiry, nonce)
  "email_not_allowed",
  "email_in_use", // the email belongs to a Tower account this provider may not take over
  "not_a_member",
  "invitation_invalid", // unknown, used, revoked, expired, or for an email the provider has not verified
  "account_disabled",
  "rate_limited",
  "server_error", // something broke on Tower's side (logged with the request id)
]);
export type SignInError = z.infer<typeof SignInError>;
