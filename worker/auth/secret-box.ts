/**
 * Provider credentials at rest: AES-256-GCM under the Worker secret TOWER_SECRET_KEY (32 random
 * bytes, base64; `openssl rand -base64 32 | npx wrangler secret put TOWER_SECRET_KEY`). The
 * workspace id is bound in as associated data, so a sealed secret copied to another workspace's row
 * does not open. A D1 dump alone never reveals a client secret.
 */
import { ApiError } from "../protocol/errors";

const VERSION = "v1";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

async function keyFrom(secretKey: string | undefined): Promise<CryptoKey> {
  let raw: Uint8Array;
  try {
    raw = unb64(secretKey ?? "");
  } catch {
    raw = new Uint8Array();
  }
  if (raw.length !== 32) {
    throw new ApiError(
      "CONFLICT",
      "TOWER_SECRET_KEY is not set (or is not 32 bytes of base64), so provider secrets cannot be stored; set it with `openssl rand -base64 32 | npx wrangler secret put TOWER_SECRET_KEY`.",
    );
  }
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function seal(secretKey: string | undefined, plaintext: string, boundTo: string): Promise<string> {
  const key = await keyFrom(secretKey);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(boundTo) }, key, new TextEncoder().encode(plaintext));
  return `${VERSION}.${b64(iv)}.${b64(new Uint8Array(ct))}`;
}

/** Opens a sealed secret; throws if the key is wrong or missing, or the value was tampered with. */
export async function open(secretKey: string | undefined, sealed: string, boundTo: string): Promise<string> {
  const key = await keyFrom(secretKey);
  const [version, iv, ct] = sealed.split(".");
  if (version !== VERSION || !iv || !ct) throw new Error("sealed secret: unknown format");
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv), additionalData: new TextEncoder().encode(boundTo) }, key, unb64(ct));
  return new TextDecoder().decode(pt);
}
