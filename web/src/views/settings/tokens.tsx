/**
 * Personal API tokens: create (scoped, expiring; the secret is shown once), rotate (the old one
 * stops at once, open sockets included) and revoke. Only hashes are stored, so a lost secret is
 * replaced, never recovered.
 */
import { useCallback, useEffect, useState } from "react";
import type { TokenInfo, TokenScope } from "../../../../worker/protocol/members";
import { api } from "../../live/api";
import { shownSecret, type IssuedSecret } from "../../state/rows";
import { toast } from "../../live/toasts";
import { RevokeButton } from "../../components/revoke-button";

const SCOPES: { scope: TokenScope; label: string }[] = [
  { scope: "*", label: "everything you may do" },
  { scope: "read", label: "read only" },
  { scope: "sessions:write", label: "launch and decide" },
  { scope: "tokens", label: "manage tokens" },
  { scope: "admin", label: "administer" },
];

function when(ms: number | null): string {
  return ms ? new Date(ms).toLocaleDateString() : "never";
}

export function TokensView() {
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);
  const [issued, setIssued] = useState<IssuedSecret | null>(null);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<TokenScope>("*");
  const [days, setDays] = useState(90);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setTokens((await api.listTokens()).tokens);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const issue = async (f: () => Promise<{ token: string; info: TokenInfo }>) => {
    try {
      const r = await f();
      setIssued({ id: r.info.id, name: r.info.name, token: r.token });
      await load();
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };

  // Shown only while its token works: a revoked (or rotated-away) secret is no use to copy.
  const secret = shownSecret(issued, tokens);
  return (
    <section className="view" aria-labelledby="tokens-h">
      <h1 id="tokens-h">API tokens</h1>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {secret ? (
        <p role="status" className="issued">
          Token “{secret.name}” — copy it now, it is not shown again: <code data-testid="token-secret">{secret.token}</code>{" "}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.token).then(() => toast("Copied"))}>
            Copy
          </button>
        </p>
      ) : null}
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void issue(() => api.createToken({ name: name.trim(), scopes: [scope], expiresInDays: days })).then(() => setName(""));
        }}
      >
        <label>
          <span className="sr-only">Token name</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="name, e.g. ci" />
        </label>
        <label>
          <span className="sr-only">Scope</span>
          <select value={scope} onChange={(e) => setScope(e.target.value as TokenScope)}>
            {SCOPES.map((s) => (
              <option key={s.scope} value={s.scope}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="sr-only">Expires in (days)</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90, 365].map((d) => (
              <option key={d} value={d}>
                expires in {d} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!name.trim()}>
          Create token
        </button>
      </form>
      {tokens === null ? (
        <p className="empty" aria-busy="true">
          Loading tokens…
        </p>
      ) : tokens.length === 0 ? (
        <p className="empty">No tokens yet.</p>
      ) : (
        <table aria-label="Tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="wide">
                Scopes
              </th>
              <th scope="col" className="wide">
                Created
              </th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-token={t.id}>
                <td>
                  {t.name}
                  {t.kind === "agent" ? <span className="muted"> (machine)</span> : null}
                  {t.revokedAt ? <span className="err"> revoked</span> : null}
                </td>
                <td className="wide">{t.scopes.join(", ")}</td>
                <td className="wide">{when(t.createdAt)}</td>
                <td>{when(t.expiresAt)}</td>
                <td className="actions">
                  {!t.revokedAt ? (
                    <>
                      <button type="button" onClick={() => void issue(() => api.rotateToken(t.id))}>
                        Rotate
                      </button>
                      <RevokeButton
                        ask={`Revoke “${t.name}”? Anything using it stops working now.`}
                        done={`Revoked ${t.name}`}
                        action={() => api.revokeToken(t.id)}
                        then={load}
                      />
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
