/**
 * /auth/oidc: single sign-on with a workspace's own OpenID Connect provider, as browser
 * navigations (outside /api; routed to the Worker before static assets). `start` sends the browser
 * to the provider; `callback` exchanges the code, validates the ID token, finds or provisions the
 * person, sets the session cookie and goes home. Every failure lands on /signin?error=<code>.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { oidcAccount } from "../auth/accounts";
import { startBrowserSession } from "../auth/browser-session";
import { authorizationUrl, exchangeCode, randomCodeVerifier, type Provider } from "../auth/oidc";
import { open } from "../auth/secret-box";
import { browserStep, finishFlow, SignInFailure, startFlow } from "../auth/sign-in-flow";
import { signInConfig } from "../auth/sign-in-config";
import { getSso, type SsoRow } from "../db/sso";
import type { AppEnv } from "../env";
import { WorkspaceId } from "../protocol/ids";

const callbackUrl = (c: Context<AppEnv>) => `${new URL(c.req.url).origin}/auth/oidc/callback`;

async function providerFor(c: Context<AppEnv>, workspaceId: string | null): Promise<{ sso: SsoRow; provider: Provider }> {
  const sso = WorkspaceId.safeParse(workspaceId).success ? await getSso(c.var.deps.db, workspaceId!) : null;
  if (!sso) throw new SignInFailure("sso_not_configured", `no SSO for ${workspaceId}`);
  let clientSecret: string;
  try {
    clientSecret = await open(signInConfig(c.env).secretKey, sso.clientSecretSealed, sso.workspaceId);
  } catch (e) {
    throw new SignInFailure(
      "sso_not_configured",
      `the client secret cannot be opened (is TOWER_SECRET_KEY the one it was saved under?): ${(e as Error).message}`,
    );
  }
  return { sso, provider: { issuer: sso.issuer, clientId: sso.clientId, clientSecret, metadata: sso.discovery } };
}

export const oidcRoutes = new Hono<AppEnv>()
  .get("/:workspaceId/start", (c) =>
    browserStep(c, async () => {
      const { sso, provider } = await providerFor(c, c.req.param("workspaceId"));
      const flow = await startFlow(c, { provider: "oidc", workspaceId: sso.workspaceId, codeVerifier: randomCodeVerifier() });
      return c.redirect((await authorizationUrl(provider, callbackUrl(c), flow)).href, 302);
    }),
  )
  .get("/callback", (c) =>
    browserStep(c, async () => {
      const flow = await finishFlow(c, "oidc");
      const { sso, provider } = await providerFor(c, flow.workspaceId);
      const claims = await exchangeCode(provider, new URL(c.req.url), flow);
      const account = await oidcAccount(c.var.deps.db, sso, claims, Date.now());
      await startBrowserSession(c, {
        workspaceId: sso.workspaceId,
        userId: account.userId,
        subject: account.subject,
        scopes: ["*"],
        method: "oidc",
        details: { issuer: sso.issuer, created: account.created, linked: account.linked, joined: account.joined },
      });
      return c.redirect("/", 302);
    }),
  );
