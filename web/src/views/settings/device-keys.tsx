/**
 * Settings → Device keys: the person's keys for signed decisions (a passkey in this browser, Ed25519 keys
 * of the CLI), registering a passkey, and revoking a key. A key decides on a machine only once the
 * machine's owner has enrolled it (`tower keys enrol`); the list says which are.
 */
import { useCallback, useEffect, useState } from "react";
import type { DeviceKeyInfo } from "../../../../worker/protocol/device-keys";
import { api } from "../../live/api";
import { registerPasskey } from "../../live/passkey";
import { toast } from "../../live/toasts";
import { RevokeButton } from "../../components/revoke-button";

export function DeviceKeysView() {
  const [keys, setKeys] = useState<DeviceKeyInfo[] | null>(null);
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setKeys((await api.listKeys()).keys);
    } catch (e) {
      toast((e as Error).message, "error");
    }
  }, []);
  useEffect(() => void load(), [load]);

  const register = async () => {
    setBusy(true);
    try {
      const key = await registerPasskey(label.trim() || "passkey");
      toast(`Passkey ${key.id} registered; ask the machine's owner to enrol it (tower keys enrol ${key.id})`);
      setLabel("");
      await load();
    } catch (e) {
      toast(`Could not register a passkey: ${(e as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="view" aria-labelledby="keys-h">
      <h1 id="keys-h">Device keys</h1>
      <p className="muted">Keys that sign your decisions, for machines whose owner requires signed decisions.</p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void register();
        }}
      >
        <label>
          <span className="sr-only">Passkey label</span>
          <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="label, e.g. laptop" maxLength={100} />
        </label>
        <button type="submit" disabled={busy}>
          Register a passkey
        </button>
      </form>
      {keys === null ? (
        <p className="muted">Loading…</p>
      ) : keys.length === 0 ? (
        <p className="muted empty">No device keys yet.</p>
      ) : (
        <table aria-label="Device keys">
          <thead>
            <tr>
              <th>Key</th>
              <th>Kind</th>
              <th>Label</th>
              <th>Enrolled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="device-key">
                <td>
                  <code>{k.id}</code>
                </td>
                <td>{k.alg === "webauthn" ? "passkey" : "CLI (Ed25519)"}</td>
                <td>{k.label}</td>
                <td>{k.unreadable ? <span role="alert">{k.unreadable}</span> : k.revokedAt !== null ? "revoked" : k.enrolment ? "enrolled" : "not yet"}</td>
                <td>
                  {k.revokedAt === null ? (
                    <RevokeButton
                      ask={`Revoke key ${k.label}? Decisions it signs are refused from now on.`}
                      done={`Revoked ${k.label}`}
                      action={() => api.revokeKey(k.id)}
                      then={load}
                    />
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
