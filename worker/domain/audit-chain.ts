/**
 * The audit log's hash chain, pure. Each entry's hash is sha256 over its canonical content and the
 * previous entry's hash; the first entry of a workspace chains to GENESIS. Verification recomputes
 * every hash in order and names the first entry that does not match.
 */
import { canonicalJson, sha256Hex } from "./canonical-json";

export const GENESIS = "0".repeat(64);

export interface AuditContent {
  workspaceId: string;
  seq: number;
  at: number;
  actor: string;
  actorKind: "user" | "agent" | "system";
  via: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export interface ChainedEntry extends AuditContent {
  prevHash: string;
  hash: string;
}

export function entryHash(content: AuditContent, prevHash: string): Promise<string> {
  return sha256Hex(`${prevHash}\n${canonicalJson(content)}`);
}

export interface Verification {
  ok: boolean;
  checked: number;
  brokenAt: number | null;
  reason: string | null;
}

/** Checks a chain fed page by page, in seq order from the first entry; stops at the first break. */
export class ChainVerifier {
  #prev = GENESIS;
  #expectedSeq = 1;
  #broken: Verification | null = null;

  async feed(entries: readonly ChainedEntry[]): Promise<void> {
    for (const e of entries) {
      if (this.#broken) return;
      const { prevHash, hash, ...content } = e;
      const fail = (reason: string) => (this.#broken = { ok: false, checked: this.#expectedSeq - 1, brokenAt: e.seq, reason });
      if (e.seq !== this.#expectedSeq) return void fail(`entry ${this.#expectedSeq} is missing`);
      if (prevHash !== this.#prev) return void fail("it does not chain to the entry before it");
      if ((await entryHash(content, prevHash)) !== hash) return void fail("its content does not match its hash (edited)");
      this.#prev = hash;
      this.#expectedSeq++;
    }
  }

  result(): Verification {
    return this.#broken ?? { ok: true, checked: this.#expectedSeq - 1, brokenAt: null, reason: null };
  }
}

export async function verifyChain(entries: readonly ChainedEntry[]): Promise<Verification> {
  const v = new ChainVerifier();
  await v.feed(entries);
  return v.result();
}
