/**
 * Single sign-on for this workspace (owners and admins): any OpenID Connect provider by its issuer
 * URL, client id and secret (stored encrypted; never shown again), which email domains may sign
 * in, and the role new people get. Shows the redirect URI to register at the provider.
 */
import { useEffect, useState } from "react";
import type { SsoConfig } from "../../../../worker/protocol/sign-in";
import { api } from "../../live/api";
import { toast } from "../../live/toasts";

export function SsoView() {
  const [config, setConfig] = useState<SsoConfig | null | undefined>(undefined);
  const [issuer, setIssuer] = useState("");
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [label, setLabel] = useState("");
  const [domains, setDomains] = useState("");
  const [role, setRole] = useState<"member" | "viewer">("member");
  const [error, setError] = useState<string | null>(null);

  const show = (c: SsoConfig | null) => {
    setConfig(c);
    if (c) {
      setIssuer(c.issuer);
      setClientId(c.clientId);
      setLabel(c.label);
      setDomains(c.allowedDomains.join(", "));
      setRole(c.newUserRole);
    }
  };
  useEffect(() => {
    api.getSso().then(show, (e: Error & { code?: string }) => (e.code === "NOT_FOUND" ? show(null) : setError(e.message)));
  }, []);

  const save = async () => {
    setError(null);
    try {
      const saved = await api.putSso({
        issuer: issuer.trim(),
        clientId: clientId.trim(),
        ...(secret ? { clientSecret: secret } : {}),
        ...(label.trim() ? { label: label.trim() } : {}),
        allowedDomains: domains.split(/[\s,]+/).filter(Boolean),
        newUserRole: role,
      });
      setSecret("");
      show(saved);
      toast("Single sign-on saved");
    } catch (e) {
      setError((e as Error).message);
    }
  };

  if (config === undefined && !error)
    return (
      <p className="empty" aria-busy="true">
        Loading…
      </p>
    );
  return (
    <section className="view narrow-form" aria-labelledby="sso-h">
      <h1 id="sso-h">Single sign-on</h1>
      <p className="muted">
        {config ? `On: people sign in with ${config.label}.` : "Off: people sign in with tokens, GitHub or invitations."} Register this redirect URI at your
        provider: <code>{config?.redirectUri ?? `${location.origin}/auth/oidc/callback`}</code>
      </p>
      {config ? (
        <p className="muted">
          Share this sign-in link with your team (the sign-in page offers single sign-on only to those who have it): <code>{config.signInUrl}</code>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      <form onSubmit={(e) => (e.preventDefault(), void save())}>
        <label>
          Issuer URL
          <input required type="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} placeholder="https://login.example.com" />
        </label>
        <label>
          Client id
          <input required value={clientId} onChange={(e) => setClientId(e.target.value)} />
        </label>
        <label>
          Client secret {config ? <span className="muted">(stored; leave empty to keep it)</span> : null}
          <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required={!config} autoComplete="off" />
        </label>
        <label>
          Button label
          <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="the issuer's host" />
        </label>
        <label>
          Allowed email domains (comma-separated; empty allows any)
          <input value={domains} onChange={(e) => setDomains(e.target.value)} placeholder="example.com" />
        </label>
        <label>
          Role for people signing in for the first time
          <select value={role} onChange={(e) => setRole(e.target.value as "member" | "viewer")}>
            <option value="member">member</option>
            <option value="viewer">viewer</option>
          </select>
        </label>
        <div className="actions">
          <button type="submit" className="primary">
            Save
          </button>
          {config ? (
            <button
              type="button"
              className="danger"
              onClick={() => confirm("Turn single sign-on off?") && void api.deleteSso().then(() => (show(null), toast("Single sign-on is off")))}
            >
              Turn off
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
