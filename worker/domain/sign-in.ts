/**
 * Pure rules for signing people in through a provider (OIDC or GitHub): which issuer URLs may be
 * plain http, whose email a workspace admits, and when an existing Tower account may be linked to a
 * new external identity by email. Kept pure so each rule is tested on its own.
 */

/** Plain-http providers are allowed only on this machine (a test or development IdP). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

export function isAllowedIssuer(url: string): boolean {
  const u = new URL(url);
  return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackUrl(url));
}

/** The email a provider vouches for, lower-cased: only a verified one counts. */
export function verifiedEmail(email: unknown, verified: unknown): string | null {
  return typeof email === "string" && email.includes("@") && verified === true ? email.toLowerCase() : null;
}

/** With no domains listed, the provider decides who gets in; otherwise a verified email in one of them must. */
export function isEmailAllowed(email: string | null, allowedDomains: readonly string[]): boolean {
  if (allowedDomains.length === 0) return true;
  const domain = email?.split("@")[1];
  return !!domain && allowedDomains.includes(domain);
}

/**
 * May a provider's first sign-in for a verified email take over the Tower account that already has
 * that email? Only when the account belongs to no workspace but this one: then the only party
 * gaining access through the link is this workspace's own provider, to a workspace its admins
 * already control. An account with other workspaces stays out of reach (error `email_in_use`).
 */
export function mayLinkByEmail(accountWorkspaces: readonly string[], workspaceId: string): boolean {
  return accountWorkspaces.every((w) => w === workspaceId);
}

/**
 * The rate-limit bucket of a public sign-in request. IMPORTANT: only `trustedHeader` (CLIENT_ADDRESS_HEADER:
 * a header the front door overwrites, as Cloudflare's edge does cf-connecting-ip) names the client; any
 * other header is the client's own say-so. With no trusted address every anonymous caller shares one
 * bucket, so a made-up address never buys a fresh one.
 */
export function signInBucket(trustedHeader: string | undefined, header: (name: string) => string | undefined): string {
  const address = trustedHeader ? header(trustedHeader)?.trim() : undefined;
  return address ? `signin:${address}` : "signin:unattributed";
}
