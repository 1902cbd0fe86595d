/**
 * Notifications: this person's devices that take Web Push (subscribe this one, remove any), which
 * approvals to push (mine, my groups, all I may decide) and quiet hours in a time zone. What is pushed
 * is decided on the server (worker/push/notify.ts); this page only says what the person wants.
 */
import { useCallback, useEffect, useState } from "react";
import type { PushDevice, PushPreferences, PushScope } from "../../../../worker/protocol/push";
import { api } from "../../live/api";
import { deviceLabel, pushUnsupported, subscribeThisDevice } from "../../live/push";
import { toast } from "../../live/toasts";

const SCOPES: { scope: PushScope; label: string }[] = [
  { scope: "mine", label: "calls in my sessions" },
  { scope: "groups", label: "calls in my sessions and calls routed to me (my groups)" },
  { scope: "all", label: "every call I may decide" },
];

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function NotificationsView() {
  const [devices, setDevices] = useState<PushDevice[] | null>(null);
  const [prefs, setPrefs] = useState<PushPreferences>({ scope: "all", quiet: null });
  const [quietUnreadable, setQuietUnreadable] = useState<string | null>(null);
  const [configured, setConfigured] = useState(true);
  const [label, setLabel] = useState(deviceLabel());
  const unsupported = pushUnsupported();

  const load = useCallback(async () => {
    try {
      const [list, key] = await Promise.all([api.pushDevices(), api.pushKey()]);
      setDevices(list.devices);
      setPrefs(list.preferences);
      setQuietUnreadable(list.quietUnreadable ?? null);
      setConfigured(key.publicKey !== null);
    } catch (e) {
      toast((e as Error).message, "error");
    }
  }, []);
  useEffect(() => void load(), [load]);

  const run = async (f: () => Promise<unknown>, done: string) => {
    try {
      await f();
      toast(done);
      await load();
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };

  const quiet = prefs.quiet;
  return (
    <section className="view" aria-labelledby="notifications-h">
      <h1 id="notifications-h">Notifications</h1>
      <p>Approve or deny from your lock screen: a waiting call arrives as a notification with Approve and Deny.</p>
      {!configured ? <p role="alert">Push is not configured on this Tower: an admin sets VAPID_PRIVATE_KEY (see the README).</p> : null}
      {unsupported ? <p role="status">This browser cannot take pushes: {unsupported}.</p> : null}
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => subscribeThisDevice(label.trim() || deviceLabel()), "This device now gets notifications");
        }}
      >
        <label>
          <span className="sr-only">Device name</span>
          <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={100} />
        </label>
        <button type="submit" disabled={!configured || !!unsupported}>
          Notify this device
        </button>
      </form>
      <h2>Your devices</h2>
      {devices === null ? (
        <p>Loading…</p>
      ) : devices.length === 0 ? (
        <p className="empty">No device gets notifications yet.</p>
      ) : (
        <ul aria-label="Push devices">
          {devices.map((d) => (
            <li key={d.id}>
              {d.device}{" "}
              <span className="muted">
                ({d.service}, since {new Date(d.createdAt).toLocaleDateString()})
              </span>{" "}
              <button type="button" onClick={() => void run(() => api.removePushDevice(d.id), `${d.device} gets no more notifications`)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <h2>What to send</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.putPushPreferences(prefs), "Saved");
        }}
      >
        <fieldset>
          <legend>Approvals</legend>
          {SCOPES.map((s) => (
            <label key={s.scope}>
              <input type="radio" name="scope" checked={prefs.scope === s.scope} onChange={() => setPrefs({ ...prefs, scope: s.scope })} /> {s.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Quiet hours</legend>
          {quietUnreadable ? <p role="alert">{quietUnreadable}</p> : null}
          <label>
            <input
              type="checkbox"
              checked={quiet !== null}
              onChange={(e) => setPrefs({ ...prefs, quiet: e.target.checked ? { start: "22:00", end: "07:00", timeZone: localZone() } : null })}
            />{" "}
            no notifications
          </label>
          {quiet ? (
            <>
              <label>
                from <input type="time" value={quiet.start} onChange={(e) => setPrefs({ ...prefs, quiet: { ...quiet, start: e.target.value } })} />
              </label>{" "}
              <label>
                to <input type="time" value={quiet.end} onChange={(e) => setPrefs({ ...prefs, quiet: { ...quiet, end: e.target.value } })} />
              </label>{" "}
              <label>
                time zone <input value={quiet.timeZone} onChange={(e) => setPrefs({ ...prefs, quiet: { ...quiet, timeZone: e.target.value } })} />
              </label>
            </>
          ) : null}
        </fieldset>
        <button type="submit">Save</button>
      </form>
    </section>
  );
}
