/**
 * sha256 of a JSON value in canonical form, synchronously (node:crypto), so the room can bind an
 * approval to its exact tool input inside one synchronous step.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../worker/domain/canonical-json";

export function canonicalSha256(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
