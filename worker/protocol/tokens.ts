/**
 * Bearer tokens: how they are minted (random, prefixed so a leaked one is recognisable) and hashed
 * (sha256; only the hash is stored). Runs in workerd, Node and the browser (Web Crypto).
 */
const PREFIX = "tower_";

export function mintToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let b64 = btoa(String.fromCharCode(...bytes));
  b64 = b64.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  return `${PREFIX}${b64}`;
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
