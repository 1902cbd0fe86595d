/**
 * Accepting an invitation link (`/join#<code>`). A signed-in person joins with the account they
 * have (the server never hands an existing account to whoever types its email); a newcomer gives a
 * name and email for a new account. Either way this browser is then signed in to the workspace.
 */
import { useState } from "react";
import type { Me } from "../../../worker/protocol/members";
import { api } from "../live/api";

export function JoinView({ me, onSignedIn, onSignedOut }: { me: Me | null; onSignedIn(): void; onSignedOut(): void }) {
  const [code] = useState(() => {
    try {
      return decodeURIComponent(location.hash.replace(/^#/, ""));
    } catch {
      return ""; // a mangled link: say so below rather than crash
    }
  });
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(code ? null : "This link has no invitation code. Ask for a new link.");
  const [busy, setBusy] = useState(false);
  const join = async () => {
    setBusy(true);
    setError(null);
    try {
      const accepted = await api.acceptInvitation(me ? { code } : { code, name: name.trim(), email: email.trim() });
      await api.signInWithToken(accepted.token);
      history.replaceState(null, "", "/sessions");
      onSignedIn();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <main className="view narrow" aria-labelledby="join-h">
      <h1 id="join-h">Join a Tower workspace</h1>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {me ? (
        <>
          <p>
            You are signed in as <strong>{me.user?.email ?? me.user?.name ?? "you"}</strong>. Joining adds this account to the workspace with the role the
            invitation gives.
          </p>
          <button type="button" className="primary" disabled={busy || !code} onClick={() => void join()}>
            {busy ? "Joining…" : "Join with this account"}
          </button>
          <button type="button" disabled={busy} onClick={() => void api.signOut().finally(onSignedOut)}>
            Not you? Sign out to create a new account
          </button>
        </>
      ) : (
        <form onSubmit={(e) => (e.preventDefault(), void join())}>
          <label>
            Your name
            <input required value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          </label>
          <label>
            Email
            <input required type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
          </label>
          <button type="submit" className="primary" disabled={busy || !code || !name.trim() || !email.trim()}>
            {busy ? "Joining…" : "Join"}
          </button>
        </form>
      )}
    </main>
  );
}
