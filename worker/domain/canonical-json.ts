/**
 * Canonical JSON (defined in protocol, shared with the agent and the browser) and a Web Crypto sha256
 * for the Worker's async paths (audit chain, session routes).
 */
export { canonicalJson } from "../protocol/canonical-json";

/** sha256 as lowercase hex, through Web Crypto (workerd, Node and browsers). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
