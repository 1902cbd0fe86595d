/**
 * Accepting an invitation, the one rule for every way in (web /join, `tower join`): an invitation
 * either creates a new account for a newcomer, or adds the signed-in person it was meant for. It
 * never hands out an existing account's identity: a newcomer naming an email that already has an
 * account is told to sign in first (DESIGN.md, Identity). The claim is released if the account
 * could not be written, so a refused or failed accept never spends the link.
 */
import type { Db } from "../db/client";
import { accountByEmail } from "../db/identities";
import { claimInvitation, invitationByCode, releaseInvitation } from "../db/invitations";
import { createAccount, findMember, getUser, joinWorkspace } from "../db/members";
import type { Actor, WorkspaceRole } from "../domain/policy";
import { ApiError } from "../protocol/errors";

export interface Joined {
  invitationId: string;
  workspaceId: string;
  userId: string;
  role: WorkspaceRole;
  subject: string;
  /** The new token's scopes: everything for a new account, never more than the signed-in caller's token. */
  scopes: string[];
}

const GONE = "This invitation is unknown, used, revoked or expired; ask for a new one.";

export async function acceptInvitation(
  db: Db,
  codeHash: string,
  who: { signedIn: Actor } | { name?: string | undefined; email?: string | undefined },
  now: number,
): Promise<Joined> {
  const found = await invitationByCode(db, codeHash);
  if (!found || found.acceptedAt !== null || found.revokedAt !== null || found.expiresAt <= now) throw new ApiError("NOT_FOUND", GONE);
  if ("signedIn" in who) return joinAsSignedIn(db, found, who.signedIn, codeHash, now);
  if (!who.name || !who.email)
    throw new ApiError("BAD_REQUEST", "Give your name and email to create your account, or sign in first to join with the account you have.");
  const email = who.email.toLowerCase();
  if (found.email && found.email !== email) throw new ApiError("FORBIDDEN", "This invitation is for another email address.");
  const taken = () =>
    new ApiError("CONFLICT", `${email} already has a Tower account: sign in as that account, then open the invitation link again to join with it.`);
  if (await accountByEmail(db, email)) throw taken();
  const claim = await claimInvitation(db, codeHash, email, now);
  if (!claim) throw new ApiError("NOT_FOUND", GONE);
  const member = await createAccount(db, claim.workspaceId, { name: who.name, email, role: claim.role }, now).catch(async (e: unknown) => {
    await releaseInvitation(db, claim.id, now);
    throw e;
  });
  if (!member) {
    await releaseInvitation(db, claim.id, now);
    throw taken();
  }
  return { invitationId: claim.id, workspaceId: claim.workspaceId, userId: member.userId, role: member.role, subject: email, scopes: ["*"] };
}

async function joinAsSignedIn(
  db: Db,
  found: { id: string; workspaceId: string; email: string | null },
  actor: Actor,
  codeHash: string,
  now: number,
): Promise<Joined> {
  if (actor.kind !== "user" || !actor.userId) throw new ApiError("FORBIDDEN", "Only a person can accept an invitation, not a machine's token.");
  const user = await getUser(db, actor.userId);
  if (!user) throw new ApiError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
  if (found.email && found.email !== user.email?.toLowerCase()) {
    throw new ApiError(
      "FORBIDDEN",
      `This invitation is for ${found.email}, and you are signed in as ${user.email ?? user.name}; sign in as the invited account, or ask for an invitation for yours.`,
    );
  }
  const existing = await findMember(db, found.workspaceId, user.id);
  if (existing) throw new ApiError("CONFLICT", `You already belong to this workspace as ${existing.role}; an invitation never changes a member's role.`);
  const subject = user.email ?? user.name;
  const claim = await claimInvitation(db, codeHash, subject, now);
  if (!claim) throw new ApiError("NOT_FOUND", GONE);
  const joined = await joinWorkspace(db, claim.workspaceId, user.id, claim.role, now).catch(async (e: unknown) => {
    await releaseInvitation(db, claim.id, now);
    throw e;
  });
  if (!joined) {
    await releaseInvitation(db, claim.id, now);
    throw new ApiError("CONFLICT", "You joined this workspace a moment ago.");
  }
  return { invitationId: claim.id, workspaceId: claim.workspaceId, userId: user.id, role: claim.role, subject, scopes: [...actor.scopes] };
}
