/**
 * Settings → Device keys: the person's keys for signed decisions (a passkey in this browser, Ed25519 keys
 * of the CLI), registering a passkey, and revoking a key. A key decides on a machine only once the
 * machine's owner has enrolled it (`tower keys enrol`); the list says which are. Each usable key shows its
 * pin, what `tower agent --owner-key` takes, so an owner whose only key is a passkey can pin it on a machine.
 */
import { useCallback, useEffect, useState } from "react";
import { type DeviceKeyInfo, keyRefusal, ownerPinOf } from "../../../../worker/protocol/device-keys";
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

  const copyPin = (k: DeviceKeyInfo) => {
    const copied = navigator.clipboard?.writeText(ownerPinOf(k));
    if (!copied) return toast("This browser gives the page no clipboard; select the pin and copy it", "error");
    copied.then(
      () => toast(`Pin of ${k.id} copied: on your machine, run tower agent --owner-key <pin>`),
      (e: Error) => toast(`Could not copy the pin: ${e.message}`, "error"),
    );
  };

  return (
    <section className="view" aria-labelledby="keys-h">
      <h1 id="keys-h">Device keys</h1>
      <p className="muted">Keys that sign your decisions, for machines whose owner requires signed decisions.</p>
      <p className="muted">
        To own a machine with a key, pin it there: <code>tower agent --owner-key &lt;pin&gt;</code>, with the key&apos;s pin from the list (a passkey&apos;s pin
        carries its credential and origin).
      </p>
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
              <th>Pin</th>
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
                  {keyRefusal(k) === null ? (
                    <span className="pin">
                      <code title={ownerPinOf(k)} data-testid="key-pin">
                        {ownerPinOf(k)}
                      </code>{" "}
                      <button type="button" aria-label={`Copy the pin of ${k.id}`} onClick={() => copyPin(k)}>
                        Copy
                      </button>
                    </span>
                  ) : null}
                </td>
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
