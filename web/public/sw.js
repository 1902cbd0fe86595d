// Tower's service worker: keeps the app shell so the app opens (and installs) offline-capable.
// Hashed assets are cached on first use; pages are network-first with the cached shell as fallback;
// the API and sockets are never cached — live data must never be stale. Below: Web Push notifications.
const SHELL = "tower-shell-v1";
self.addEventListener("install", (e) => {
  e.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(["/", "/manifest.webmanifest", "/icon.svg"]))
      .then(() => self.skipWaiting()),
  );
});
self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/auth/")) return;
  if (e.request.mode === "navigate") {
    e.respondWith(fetch(e.request).catch(() => caches.match("/")));
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    e.respondWith(
      caches.match(e.request).then(
        (hit) =>
          hit ||
          fetch(e.request).then((res) => {
            const copy = res.clone();
            if (res.ok) void caches.open(SHELL).then((c) => c.put(e.request, copy));
            return res;
          }),
      ),
    );
  }
});

// ---- Web Push (worker/push/notify.ts sends; worker/protocol/push.ts is the payload) ----
// A waiting call is a notification tagged with its approval id, with Approve and Deny. Approve posts the
// decision from here, bound to the approval id and the input's sha256 the notification showed; the
// browser's HttpOnly session cookie rides along (same origin), so no token is ever kept where script can
// read it. The server refuses a call already decided, changed, parked and resumed, or expired: we say so.
// Deny (a comment is needed) and a plain click open the approval in the page.

function approvalUrl(p, deny) {
  return `/approvals?approval=${encodeURIComponent(p.approvalId)}${deny ? "&deny=1" : ""}`;
}

function expiryText(at) {
  const d = new Date(at);
  return `expires ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

async function closeTagged(tag) {
  for (const n of await self.registration.getNotifications({ tag })) n.close();
}

self.addEventListener("push", (e) => {
  let p = null;
  try {
    p = e.data ? e.data.json() : null;
  } catch {
    p = null;
  }
  if (!p || typeof p.approvalId !== "string") return;
  if (p.type === "close") {
    e.waitUntil(closeTagged(p.approvalId));
    return;
  }
  if (p.type !== "approval") return;
  const where = [p.sessionTitle, p.machine].filter(Boolean).join(" · ");
  e.waitUntil(
    self.registration.showNotification(`${p.tool} waits for approval`, {
      body: `${p.summary}\n${where}${where ? " · " : ""}${expiryText(p.expiresAt)}`,
      tag: p.approvalId,
      data: p,
      icon: "/icon.svg",
      requireInteraction: true,
      actions: [
        { action: "approve", title: "Approve" },
        { action: "deny", title: "Deny…" },
      ],
    }),
  );
});

async function openApproval(p, deny) {
  const url = new URL(approvalUrl(p, deny), self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    // The page routes itself (web/src/live/push.ts): no reload, its live state stays.
    open.postMessage({ type: "open-approval", url: approvalUrl(p, deny) });
    // Focus needs the click's user activation; without it (a browser that withholds it) the page still moves.
    return open.focus().catch(() => open);
  }
  return self.clients.openWindow(url);
}

async function approveFrom(p) {
  let message = null;
  try {
    const res = await fetch(`/api/sessions/${encodeURIComponent(p.sessionId)}/approvals/${encodeURIComponent(p.approvalId)}/decision`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", inputSha256: p.inputSha256 }),
    });
    if (res.ok) return;
    const body = await res.json().catch(() => null);
    message = body?.error?.message ?? `Tower answered ${res.status}.`;
  } catch {
    message = "Tower could not be reached; nothing was approved.";
  }
  await self.registration.showNotification(`Not approved: ${p.tool}`, {
    body: message,
    tag: `refused:${p.approvalId}`,
    data: { ...p, refused: true },
    icon: "/icon.svg",
  });
}

self.addEventListener("notificationclick", (e) => {
  const p = e.notification.data;
  e.notification.close();
  if (!p || typeof p.approvalId !== "string") return;
  if (e.action === "approve" && !p.refused) e.waitUntil(approveFrom(p));
  else e.waitUntil(openApproval(p, e.action === "deny"));
});
