/**
 * JSON in canonical form (object keys sorted at every depth, undefined dropped), so that a hash or a
 * signature over a value does not depend on key order. Lives in protocol because the room, the agent,
 * the CLI and the browser must all produce the same bytes: tool-input hashes, the audit chain, and the
 * signed decision statement (signed-decision.ts).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
