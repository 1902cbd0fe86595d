/**
 * Settings → Device keys: the person's keys for signed decisions (a passkey in this browser, Ed25519 keys
 * of the CLI), registering a passkey, and revoking a key. A key decides on a machine only once the
 * machine's owner has enrolled it; the list says which are. Each usable key shows its pin, what
 * `tower agent --owner-key` takes, so an owner whose only key is a passkey can pin it on a machine, and
 * enrol the workspace's other keys with that passkey here (what `tower keys enrol` does with a CLI key).
 */
import { useCallback, useEffect, useState } from "react";
import { type DeviceKeyInfo, fingerprintOfDigest, keyRefusal, ownerPinOf } from "../../../../worker/protocol/device-keys";
import { fromBase64Url } from "../../../../worker/protocol/signed-decision";
import { api } from "../../live/api";
import { useStore } from "../../state/store";
import { me } from "../../live/me";
import { enrolWithPasskey, passkeysHere, registerPasskey } from "../../live/passkey";
import { toast } from "../../live/toasts";
import { RevokeButton } from "../../components/revoke-button";

async function fingerprintOf(publicKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", fromBase64Url(publicKey) as Uint8Array<ArrayBuffer>));
  return fingerprintOfDigest([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
}

export function DeviceKeysView() {
  const [all, setAll] = useState<DeviceKeyInfo[] | null>(null);
  const [prints, setPrints] = useState<Map<string, string>>(new Map());
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const userId = useStore(me)?.user?.id ?? "";

  const load = useCallback(async () => {
    try {
      const { keys } = await api.listKeys(true);
      setAll(keys);
      setPrints(new Map(await Promise.all(keys.map(async (k) => [k.id, await fingerprintOf(k.publicKey)] as const))));
    } catch (e) {
      toast((e as Error).message, "error");
    }
  }, []);
  useEffect(() => void load(), [load]);

  const register = async () => {
    setBusy(true);
    try {
      const key = await registerPasskey(label.trim() || "passkey");
      toast(`Passkey ${key.id} registered; ask the machine's owner to enrol it (Settings → Device keys, or tower keys enrol ${key.id})`);
      setLabel("");
      await load();
    } catch (e) {
      toast(`Could not register a passkey: ${(e as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  const keys = all?.filter((k) => k.userId === userId) ?? null;
  const others = all?.filter((k) => k.userId !== userId && k.revokedAt === null) ?? [];
  // The passkey this browser signs enrolments with: the newest of this person's here.
  const signer = passkeysHere(all ?? [], userId).at(-1) ?? null;
  const enrol = async (k: DeviceKeyInfo) => {
    if (!signer) return;
    try {
      await enrolWithPasskey(k, signer);
      toast(`Enrolled ${k.id}: it now decides on every machine that pins your passkey ${signer.id}`);
      await load();
    } catch (e) {
      toast(`Could not enrol ${k.id}: ${(e as Error).message}`, "error");
    }
  };
  /** The Enrol button: for a live key this person's passkey may vouch for (not itself, not already by it). */
  const enrolButton = (k: DeviceKeyInfo) =>
    signer && k.id !== signer.id && keyRefusal(k) === null && k.enrolment?.signature.keyId !== signer.id ? (
      <button type="button" aria-label={`Enrol ${k.id} with my passkey`} onClick={() => void enrol(k)}>
        Enrol with my passkey
      </button>
    ) : null;

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
                <td>
                  {k.unreadable ? (
                    <span role="alert">{k.unreadable}</span>
                  ) : k.revokedAt !== null ? (
                    "revoked"
                  ) : k.enrolment ? (
                    `by ${k.enrolment.signature.keyId}`
                  ) : (
                    "not yet"
                  )}
                </td>
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
                  {enrolButton(k)}
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
      <h2>Others&apos; keys in this workspace</h2>
      <p className="muted">
        On machines that pin your passkey, a key decides only once you enrol it. Check its fingerprint with its holder first.
        {signer ? null : " Register a passkey here to enrol keys from this page (or use tower keys enrol)."}
      </p>
      {others.length === 0 ? (
        <p className="muted empty">No other live keys.</p>
      ) : (
        <table aria-label="Others' device keys">
          <thead>
            <tr>
              <th>Key</th>
              <th>Holder</th>
              <th>Kind</th>
              <th>Fingerprint</th>
              <th>Enrolled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {others.map((k) => (
              <tr key={k.id} data-testid="other-key">
                <td>
                  <code>{k.id}</code> {k.label}
                </td>
                <td>{k.userId}</td>
                <td>{k.alg === "webauthn" ? "passkey" : "CLI (Ed25519)"}</td>
                <td>
                  <code>{prints.get(k.id) ?? "…"}</code>
                </td>
                <td>{k.unreadable ? <span role="alert">{k.unreadable}</span> : k.enrolment ? `by ${k.enrolment.signature.keyId}` : "not yet"}</td>
                <td>{enrolButton(k)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
