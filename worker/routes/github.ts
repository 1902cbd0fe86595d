/**
 * /auth/github: sign in with GitHub (app-wide; Worker secrets GITHUB_CLIENT_ID and
 * GITHUB_CLIENT_SECRET). `start?invitation=<code>` also accepts an invitation, which is the only
 * way someone with no membership gets in; the code is checked at start (so a dead link fails before
 * GitHub) and claimed once at the callback. Failures land on /signin?error=<code>.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { githubAccount, type Invited } from "../auth/accounts";
import { recordAuditAs } from "../auth/audit";
import { startBrowserSession } from "../auth/browser-session";
import { authorizeUrl, githubUser, type GitHubUser } from "../auth/github";
import { codeChallengeFor, randomCodeVerifier } from "../auth/oidc";
import { browserStep, finishFlow, SignInFailure, startFlow } from "../auth/sign-in-flow";
import { signInConfig } from "../auth/sign-in-config";
import { provision } from "../db/identities";
import { claimInvitation, invitationByCode } from "../db/invitations";
import type { AppEnv } from "../env";
import { hashToken } from "../protocol/tokens";

const InvitationCode = z.string().min(10).max(200);

const callbackUrl = (c: Context<AppEnv>) => `${new URL(c.req.url).origin}/auth/github/callback`;

function github(c: Context<AppEnv>) {
  const gh = signInConfig(c.env).github;
  if (!gh) throw new SignInFailure("github_not_configured", "GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET are not set");
  return gh;
}

/** A live invitation by its code hash, or a refusal. */
async function liveInvitation(c: Context<AppEnv>, codeHash: string) {
  const inv = await invitationByCode(c.var.deps.db, codeHash);
  if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt <= Date.now())
    throw new SignInFailure("invitation_invalid", "unknown, used, revoked or expired invitation");
  return inv;
}

export const githubRoutes = new Hono<AppEnv>()
  .get("/start", (c) =>
    browserStep(c, async () => {
      const gh = github(c);
      const code = c.req.query("invitation");
      let invitationHash: string | undefined;
      if (code !== undefined) {
        if (!InvitationCode.safeParse(code).success) throw new SignInFailure("invitation_invalid", "malformed invitation code");
        invitationHash = await hashToken(code);
        await liveInvitation(c, invitationHash);
      }
      const flow = await startFlow(c, { provider: "github", invitationHash, codeVerifier: randomCodeVerifier() });
      return c.redirect(authorizeUrl(gh, callbackUrl(c), { state: flow.state, codeChallenge: await codeChallengeFor(flow.codeVerifier) }), 302);
    }),
  )
  .get("/callback", (c) =>
    browserStep(c, async () => {
      const gh = github(c);
      const flow = await finishFlow(c, "github");
      const code = c.req.query("code");
      if (!code || code.length > 500) throw new SignInFailure("invalid_request", "no code in the callback");
      const user = await githubUser(gh, callbackUrl(c), code, flow.codeVerifier);
      const invited = flow.invitationHash ? await invitationFor(c, flow.invitationHash, user) : null;
      const account = await githubAccount(c.var.deps.db, gh.webUrl, user, invited);
      await commit(c, account, flow.invitationHash);
      const details = { github: user.login, created: account.created, linked: account.linked, joined: account.joined };
      await startBrowserSession(c, {
        workspaceId: account.workspaceId,
        userId: account.userId,
        subject: account.subject,
        scopes: ["*"],
        method: "github",
        details,
      });
      return c.redirect("/", 302);
    }),
  );

/** The invitation being accepted, if GitHub has verified the email it names (when it names one). */
async function invitationFor(c: Context<AppEnv>, invitationHash: string, user: GitHubUser): Promise<Invited> {
  const inv = await liveInvitation(c, invitationHash);
  if (inv.email && !user.verifiedEmails.includes(inv.email))
    throw new SignInFailure("invitation_invalid", `the invitation is for ${inv.email}, which GitHub has not verified for ${user.login}`);
  return { workspaceId: inv.workspaceId, role: inv.role, email: inv.email };
}

/** Claims the invitation (once) before writing the account, so a lost race writes nothing. */
async function commit(c: Context<AppEnv>, account: Awaited<ReturnType<typeof githubAccount>>, invitationHash: string | null): Promise<void> {
  const { db } = c.var.deps;
  const now = Date.now();
  const inv = invitationHash ? await claimInvitation(db, invitationHash, account.subject, now) : null;
  if (invitationHash && !inv) throw new SignInFailure("invitation_invalid", "the invitation was used a moment ago");
  await provision(db, account.pending, now);
  if (inv)
    await recordAuditAs(c, {
      workspaceId: inv.workspaceId,
      actor: account.subject,
      actorKind: "user",
      via: "github",
      action: "invitation.accept",
      target: inv.id,
      details: { userId: account.userId, role: inv.role },
    });
}
