/**
 * The VAPID key `tower up` gives its local Worker, so Web Push works in local dev without setup: made
 * once (a P-256 key by Web Crypto) and kept in the state dir (mode 0600, never committed: .tower/ is
 * ignored). Production sets its own with `wrangler secret put VAPID_PRIVATE_KEY` (README, Push notifications).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The Worker vars for push in local dev: VAPID_PRIVATE_KEY (a JWK, as JSON) and a contact subject. */
export async function devPushVars(stateDir: string): Promise<Record<string, string>> {
  const path = join(stateDir, "vapid.json");
  if (!existsSync(path)) {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const { kty, crv, x, y, d } = await crypto.subtle.exportKey("jwk", pair.privateKey);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ kty, crv, x, y, d })}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return { VAPID_PRIVATE_KEY: readFileSync(path, "utf8").trim(), VAPID_SUBJECT: "mailto:dev@localhost" };
}
