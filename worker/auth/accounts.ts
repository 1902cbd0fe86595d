/**
 * Who an external identity signs in as. OIDC: the (issuer, sub) pair maps to one Tower user; a
 * first sign-in creates the user (or links the account with the same verified email when
 * `mayLinkByEmail` allows) and, just in time, a membership with the workspace's configured role —
 * unless an admin once removed that person, which a later sign-in must not undo. GitHub (app-wide,
 * no workspace of its own): the numeric user id maps to a user; someone with no membership gets in
 * only by accepting an invitation.
 */
import { findMember } from "../db/members";
import { accountByEmail, accountById, findIdentityUser, provision, wasRemoved, workspaceIdsOf, type Provision } from "../db/identities";
import { isUnreadable, type Unreadable } from "../db/checked-json";
import type { Db } from "../db/client";
import { isEmailAllowed, mayLinkByEmail, verifiedEmail } from "../domain/sign-in";
import { newId } from "../protocol/ids";
import type { GitHubUser } from "./github";
import type { IdClaims } from "./oidc";
import { SignInFailure } from "./sign-in-flow";

export interface Account {
  userId: string;
  subject: string;
  /** What this sign-in changed: a new user, a link to an existing one by email, a new membership. */
  created: boolean;
  linked: boolean;
  joined: boolean;
}

export async function oidcAccount(
  db: Db,
  sso: { workspaceId: string; issuer: string; allowedDomains: string[] | Unreadable; newUserRole: "member" | "viewer" },
  claims: IdClaims,
  now: number,
): Promise<Account> {
  const email = verifiedEmail(claims.email, claims.emailVerified);
  // Domains that no longer read could be any list: no one is admitted, rather than everyone (an empty list).
  if (isUnreadable(sso.allowedDomains))
    throw new SignInFailure(
      "email_not_allowed",
      `the workspace's allowed email domains could not be read (${sso.allowedDomains.unreadable}); an admin saves the SSO settings again`,
    );
  if (!isEmailAllowed(email, sso.allowedDomains))
    throw new SignInFailure("email_not_allowed", `${claims.email ?? "no email"} (verified: ${String(claims.emailVerified)})`);
  const p: Provision = {};
  let userId = await findIdentityUser(db, "oidc", sso.issuer, claims.sub);
  let linked = false;
  if (!userId) {
    const existing = email ? await accountByEmail(db, email) : null;
    if (existing && !mayLinkByEmail(await workspaceIdsOf(db, existing.id), sso.workspaceId)) {
      throw new SignInFailure("email_in_use", `${email} belongs to an account in other workspaces`);
    }
    linked = !!existing;
    userId = existing?.id ?? newId("usr");
    if (!existing) p.user = { id: userId, email, name: claims.name ?? email ?? `${new URL(sso.issuer).host} user` };
    p.identity = { provider: "oidc", issuer: sso.issuer, subject: claims.sub, userId, email };
  }
  const account = p.user ? { ...p.user, disabledAt: null } : await accountById(db, userId);
  if (!account) throw new Error(`identity points at missing user ${userId}`);
  if (account.disabledAt) throw new SignInFailure("account_disabled", userId);
  const member = p.user ? null : await findMember(db, sso.workspaceId, userId);
  if (!member) {
    if (!p.user && (await wasRemoved(db, sso.workspaceId, userId))) throw new SignInFailure("not_a_member", `${userId} was removed from ${sso.workspaceId}`);
    p.membership = { workspaceId: sso.workspaceId, userId, role: sso.newUserRole };
  }
  await provision(db, p, now);
  return { userId, subject: account.email ?? account.name, created: !!p.user, linked, joined: !member };
}

export interface Invited {
  workspaceId: string;
  role: "owner" | "admin" | "member" | "viewer";
  /** The invitation's email, if it names one; the caller has checked GitHub verified it. */
  email: string | null;
}

/**
 * Works out a GitHub sign-in without writing: the account, the workspace to sign in to (the
 * invitation's, else the first the person belongs to), and the writes to make once the caller has
 * claimed the invitation. A first GitHub sign-in links the account that has one of the person's
 * GitHub-verified emails (GitHub proved control of that mailbox, which is all an invitation asks).
 */
export async function githubAccount(
  db: Db,
  issuer: string,
  gh: GitHubUser,
  invited: Invited | null,
): Promise<Account & { workspaceId: string; pending: Provision }> {
  const pending: Provision = {};
  let userId = await findIdentityUser(db, "github", issuer, String(gh.id));
  let linked = false;
  if (!userId) {
    const email = invited?.email ?? gh.verifiedEmails[0] ?? null;
    const existing = email ? await accountByEmail(db, email) : null;
    if (!existing && !invited) throw new SignInFailure("not_a_member", `GitHub user ${gh.login} has no Tower account and no invitation`);
    linked = !!existing;
    userId = existing?.id ?? newId("usr");
    if (!existing) pending.user = { id: userId, email, name: gh.name ?? gh.login };
    pending.identity = { provider: "github", issuer, subject: String(gh.id), userId, email };
  }
  const account = pending.user ? { ...pending.user, disabledAt: null } : await accountById(db, userId);
  if (!account) throw new Error(`identity points at missing user ${userId}`);
  if (account.disabledAt) throw new SignInFailure("account_disabled", userId);
  const memberOf = pending.user ? [] : await workspaceIdsOf(db, userId);
  const workspaceId = invited?.workspaceId ?? memberOf[0];
  if (!workspaceId) throw new SignInFailure("not_a_member", `GitHub user ${gh.login} belongs to no workspace`);
  const joined = !memberOf.includes(workspaceId);
  if (joined) pending.membership = { workspaceId, userId, role: invited!.role };
  return { userId, subject: account.email ?? gh.login, created: !!pending.user, linked, joined, workspaceId, pending };
}
