/**
 * Codes people type or read out: device user codes (8 consonants, shown ABCD-EFGH: no vowels, so
 * no words; no look-alike letters) and long random secrets for device codes and invitation links.
 */
const CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ";

export function newUserCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => CONSONANTS[b % CONSONANTS.length]).join("");
}

export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export function newSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `${prefix}${btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "")}`;
}
