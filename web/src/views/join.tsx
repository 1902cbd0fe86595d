/**
 * Accepting an invitation link (`/join#<code>`): the newcomer gives a name and email, joins with
 * the invitation's role, and this browser is signed in at once.
 */
import { useState } from "react";
import { api } from "../live/api";

export function JoinView({ onSignedIn }: { onSignedIn(): void }) {
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
      const accepted = await api.acceptInvitation({ code, name: name.trim(), email: email.trim() });
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
      {error ? <p role="alert" className="err">{error}</p> : null}
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
    </main>
  );
}
