/**
 * Sign-in. Offers what this Tower has: a workspace's SSO (when the link, `/signin?workspace=…`, names
 * it), GitHub, or an API token (the local default: `npm start` prints a link `/signin#token=…`, which
 * signs this browser in at once and drops the token from the address bar). The session lives in an
 * HttpOnly cookie. A link opened in a browser already signed in asks before switching (SwitchAccountPrompt).
 */
import { useEffect, useState } from "react";
import type { Me } from "../../../worker/protocol/members";
import { api } from "../live/api";

const ERRORS: Record<string, string> = {
  invalid_request: "The sign-in provider sent back something Tower could not use. Try again.",
  invalid_state: "That sign-in was already used, has expired, or began in another browser. Start again.",
  sso_not_configured: "Single sign-on is not set up for that workspace.",
  github_not_configured: "GitHub sign-in is not set up on this Tower.",
  provider_unreachable: "The sign-in provider could not be reached. Try again in a moment.",
  token_rejected: "The provider's answer did not pass Tower's checks (signature, audience or expiry), so you were not signed in.",
  email_not_allowed: "Your email's domain is not allowed to sign in to this workspace.",
  email_in_use: "That email belongs to an existing Tower account this provider may not take over. Ask an admin.",
  not_a_member: "You signed in, but you are not a member of any workspace yet. Ask an admin for an invitation.",
  invitation_invalid: "That invitation is unknown, used, revoked or expired, or for another email.",
  account_disabled: "This account is disabled.",
  rate_limited: "Too many sign-in attempts from here. Wait a minute and try again.",
  server_error: "Something went wrong on Tower's side. Try again.",
};

type Providers = Awaited<ReturnType<typeof api.signInProviders>>;

export function SignInView({ onSignedIn }: { onSignedIn(): void }) {
  const [providers, setProviders] = useState<Providers | null>(null);
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(() => {
    const code = new URLSearchParams(location.search).get("error");
    return code ? (ERRORS[code] ?? `Sign-in failed (${code}). Try again.`) : null;
  });
  const [busy, setBusy] = useState(false);

  const signIn = async (t: string) => {
    setBusy(true);
    setError(null);
    try {
      await api.signInWithToken(t.trim());
      onSignedIn();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  useEffect(() => {
    // The printed link may be opened in a tab already on /signin: only the fragment changes then, so
    // the page does not load again and only `hashchange` tells.
    const fromHash = () => {
      const m = /^#token=(.+)$/.exec(location.hash);
      if (!m) return;
      history.replaceState(null, "", `/signin${location.search}`);
      let token = m[1]!;
      try {
        token = decodeURIComponent(token);
      } catch {
        // not percent-encoded: use it as it is; the server says if it is wrong
      }
      void signIn(token);
    };
    fromHash();
    window.addEventListener("hashchange", fromHash);
    // SSO is offered for the workspace a shared sign-in link names; the server lists no workspaces.
    const workspace = new URLSearchParams(location.search).get("workspace") ?? undefined;
    api.signInProviders(workspace).then(setProviders, () => setProviders(null));
    return () => window.removeEventListener("hashchange", fromHash);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <main className="view narrow signin" aria-labelledby="signin-h">
      <h1 id="signin-h">Sign in to Tower</h1>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {providers?.oidc.map((p) => (
        <a key={p.workspaceId} className="button primary block" href={`/auth/oidc/${p.workspaceId}/start`}>
          Continue with {p.label} ({p.workspaceName})
        </a>
      ))}
      {providers?.github ? (
        <a className="button block" href="/auth/github/start">
          Continue with GitHub
        </a>
      ) : null}
      <form onSubmit={(e) => (e.preventDefault(), void signIn(token))}>
        <label>
          API token
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} placeholder="tower_…" />
        </label>
        <p className="muted">
          Running Tower locally? Open the sign-in link that <code>npm start</code> printed.
        </p>
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in with token"}
        </button>
      </form>
    </main>
  );
}

/** Shown when a sign-in link is opened in a browser already signed in: switch only if the person says so. */
export function SwitchAccountPrompt({ me, onSwitch, onStay }: { me: Me; onSwitch(): void; onStay(): void }) {
  const current = me.workspaces.find((w) => w.workspaceId === me.workspaceId)?.name ?? me.workspaceId;
  return (
    <main className="view narrow" aria-labelledby="switch-h">
      <h1 id="switch-h">Switch account?</h1>
      <p>
        You are signed in as <strong>{me.user?.email ?? me.user?.name ?? "a member"}</strong> in <strong>{current}</strong>. This link signs this browser in
        with another token, which may be someone else&apos;s account. Switch only if you opened your own link.
      </p>
      <button type="button" className="primary" onClick={onStay}>
        Stay signed in as {me.user?.name ?? "me"}
      </button>
      <button type="button" onClick={onSwitch}>
        Switch to the link&apos;s account
      </button>
    </main>
  );
}
