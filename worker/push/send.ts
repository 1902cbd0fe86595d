/**
 * Sends one Web Push message: VAPID-signed and encrypted to the subscription's keys by
 * @block65/webcrypto-web-push (RFC 8291 aes128gcm and RFC 8292 VAPID over Web Crypto, so it runs in
 * workerd; chosen over @pushforge/builder, which writes the older draft `aesgcm` encoding that Safari's
 * push service does not take), POSTed only to an allowed push service
 * (domain/push.ts; checked again here, at send time, not only when the browser subscribed).
 * The VAPID key is one Worker secret, VAPID_PRIVATE_KEY (a P-256 JWK); its public half is derived.
 */
import { buildPushPayload } from "@block65/webcrypto-web-push";
import { z } from "zod";
import { isAllowedPushEndpoint } from "../domain/push";

const Jwk = z.object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), d: z.string() });

const PushVars = z.object({
  VAPID_PRIVATE_KEY: z
    .string()
    .trim()
    .optional()
    .transform((s) => s || undefined),
  VAPID_SUBJECT: z.string().trim().default("mailto:admin@tower.invalid"),
  /** "1" lets subscriptions and sends use a push service on loopback: local dev and tests only. */
  PUSH_ALLOW_LOOPBACK: z
    .string()
    .optional()
    .transform((s) => s === "1" || s === "true"),
});

export interface PushConfig {
  /** null: VAPID_PRIVATE_KEY is not set, so nothing is pushed (and the web offers no subscription). */
  vapid: { jwk: z.infer<typeof Jwk>; publicKey: string; subject: string } | null;
  allowLoopback: boolean;
}

function b64urlToBytes(s: string): Uint8Array {
  const b = atob(
    s
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(s.length / 4) * 4, "="),
  );
  return Uint8Array.from(b, (ch) => ch.charCodeAt(0));
}

function bytesToB64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The application server key a browser subscribes with: the uncompressed point 0x04 ‖ x ‖ y. */
function publicKeyOf(jwk: { x: string; y: string }): string {
  return bytesToB64url(new Uint8Array([4, ...b64urlToBytes(jwk.x), ...b64urlToBytes(jwk.y)]));
}

export function pushConfig(env: object): PushConfig {
  const v = PushVars.parse(env);
  if (!v.VAPID_PRIVATE_KEY) return { vapid: null, allowLoopback: v.PUSH_ALLOW_LOOPBACK };
  let jwk: z.infer<typeof Jwk>;
  try {
    jwk = Jwk.parse(JSON.parse(v.VAPID_PRIVATE_KEY));
  } catch {
    throw new Error("VAPID_PRIVATE_KEY must be a P-256 private JWK (JSON); make one with `npm run vapid:key`.");
  }
  return { vapid: { jwk, publicKey: publicKeyOf(jwk), subject: v.VAPID_SUBJECT }, allowLoopback: v.PUSH_ALLOW_LOOPBACK };
}

/** A VAPID JWT lives this long (push services refuse more than 24 h); a waiting call is stale sooner anyway. */
const TTL_SECONDS = 12 * 3600;

/**
 * POSTs `json` to the subscription; resolves to the push service's status (201 sent, 404/410 gone).
 * IMPORTANT: refuses (throws) an endpoint outside the allow-list, whatever the stored row says.
 */
export async function sendPush(
  cfg: PushConfig,
  sub: { endpoint: string; p256dh: string; auth: string },
  json: string,
  opts: { ttl?: number; topic?: string } = {},
): Promise<number> {
  if (!cfg.vapid) throw new Error("push is not configured (VAPID_PRIVATE_KEY)");
  if (!isAllowedPushEndpoint(sub.endpoint, cfg.allowLoopback)) throw new Error(`push endpoint not allowed: ${new URL(sub.endpoint).host}`);
  // The library builds only for https endpoints; a loopback push service (dev/test) speaks http, so the
  // request (and the JWT's audience) is built for the https form of its URL and sent to the URL itself.
  const target = new URL(sub.endpoint);
  const asHttps = target.protocol === "http:" ? `https://${target.host}${target.pathname}${target.search}` : sub.endpoint;
  const built = await buildPushPayload(
    {
      data: json,
      options: { ttl: Math.min(opts.ttl ?? TTL_SECONDS, TTL_SECONDS), urgency: "high", ...(opts.topic ? { topic: opts.topic } : {}) },
    },
    { endpoint: asHttps, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } },
    { subject: cfg.vapid.subject, publicKey: cfg.vapid.publicKey, privateKey: cfg.vapid.jwk.d },
  );
  const res = await fetch(sub.endpoint, { method: "POST", headers: built.headers, body: built.body, redirect: "manual" });
  await res.body?.cancel();
  return res.status;
}
