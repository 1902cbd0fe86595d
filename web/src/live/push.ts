/**
 * Web Push in the page: subscribing this browser (the service worker web/public/sw.js receives the
 * pushes), the service worker's requests to open an approval (a notification's Deny or a plain click),
 * and an in-page notice when a new call starts waiting while the tab is open.
 */
import type { Approval } from "../../../worker/protocol/approval";
import type { HubFrame } from "../../../worker/protocol/frames";
import { newlyWaiting } from "../state/attention";
import { api } from "./api";
import { toast } from "./toasts";

/** Why this browser cannot take pushes, or null when it can. */
export function pushUnsupported(): string | null {
  if (!("serviceWorker" in navigator)) return "this browser has no service workers (or the page is not served over https)";
  if (!("PushManager" in window)) return "this browser does not support Web Push";
  if (!("Notification" in window)) return "this browser does not show notifications";
  return null;
}

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const s = atob(
    b64url
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(b64url.length / 4) * 4, "="),
  );
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A short name for this browser in the settings list ("Chrome on Android"). */
export function deviceLabel(ua = navigator.userAgent): string {
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}

/** Asks for permission, subscribes this browser with Tower's VAPID key, and registers it with Tower. */
export async function subscribeThisDevice(device: string): Promise<void> {
  const why = pushUnsupported();
  if (why) throw new Error(`Push is not available: ${why}.`);
  const { publicKey } = await api.pushKey();
  if (!publicKey) throw new Error("Push is not configured on this Tower (VAPID_PRIVATE_KEY is not set).");
  if ((await Notification.requestPermission()) !== "granted")
    throw new Error("Notifications are blocked for this site; allow them in the browser's site settings.");
  const reg = await navigator.serviceWorker.ready;
  const sub =
    (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  const json = sub.toJSON();
  await api.subscribePush({ endpoint: json.endpoint ?? sub.endpoint, keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" }, device });
}

/** Follows the service worker's "open this approval" messages; returns the stop function. */
export function listenToServiceWorker(navigate: (to: string) => void): () => void {
  if (!("serviceWorker" in navigator)) return () => undefined;
  const onMessage = (e: MessageEvent) => {
    const d = e.data as { type?: unknown; url?: unknown } | null;
    if (d?.type === "open-approval" && typeof d.url === "string" && d.url.startsWith("/approvals?")) navigate(d.url);
  };
  navigator.serviceWorker.addEventListener("message", onMessage);
  return () => navigator.serviceWorker.removeEventListener("message", onMessage);
}

/** A call that starts waiting while the tab is open is announced in the page (not for the hello's list). */
export function noticeNewApproval(frame: HubFrame, known: ReadonlyMap<string, Approval>): void {
  const a = newlyWaiting(frame, known);
  if (a) toast(`${a.toolName} waits for approval${a.sessionTitle ? ` · ${a.sessionTitle}` : ""}`);
}
