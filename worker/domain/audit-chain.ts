/**
 * The audit log's hash chain, pure. Each entry's hash is sha256 over its canonical content and the
 * previous entry's hash; the first entry of a workspace chains to GENESIS. Verification recomputes
 * every hash in order and names the first entry that does not match. The chain alone cannot show a
 * rewrite that recomputes later hashes, or the newest entries deleted, so its head is anchored:
 * checkpoints signed with a key the database does not hold, and the sealer's own record of the head.
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
  readonly #kept = new Map<number, string>();

  /** `keep`: the seqs whose recomputed hashes `hashAt` should answer for (the anchors' seqs). */
  constructor(private readonly keep: ReadonlySet<number> = new Set()) {}

  hashAt(seq: number): string | undefined {
    return this.#kept.get(seq);
  }

  async feed(entries: readonly ChainedEntry[]): Promise<void> {
    for (const e of entries) {
      if (this.#broken) return;
      const { prevHash, hash, ...content } = e;
      const fail = (reason: string) => (this.#broken = { ok: false, checked: this.#expectedSeq - 1, brokenAt: e.seq, reason });
      if (e.seq !== this.#expectedSeq) return void fail(`entry ${this.#expectedSeq} is missing`);
      if (prevHash !== this.#prev) return void fail("it does not chain to the entry before it");
      if ((await entryHash(content, prevHash)) !== hash) return void fail("its content does not match its hash (edited)");
      this.#prev = hash;
      if (this.keep.has(e.seq)) this.#kept.set(e.seq, hash);
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

/** A signed statement that the workspace's chain had `hash` at `seq`. */
export interface Checkpoint {
  seq: number;
  hash: string;
  mac: string;
}

async function hmacKey(key: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const checkpointText = (workspaceId: string, seq: number, hash: string) => new TextEncoder().encode(`tower-audit-checkpoint\n${workspaceId}\n${seq}\n${hash}`);

export async function signCheckpoint(key: Uint8Array<ArrayBuffer>, workspaceId: string, seq: number, hash: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(key), checkpointText(workspaceId, seq, hash));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function isCheckpointSigned(key: Uint8Array<ArrayBuffer>, workspaceId: string, c: Checkpoint): Promise<boolean> {
  return (await signCheckpoint(key, workspaceId, c.seq, c.hash)) === c.mac;
}

/**
 * Checks a verified chain against its anchors: every checkpoint must carry our signature and match
 * the chain's hash at its seq, and the chain must reach the head the sealer last wrote. `hashAt`
 * gives the recomputed chain's hash at a seq (the caller kept those at checkpoint seqs).
 */
export async function checkAnchors(
  key: Uint8Array<ArrayBuffer>,
  workspaceId: string,
  chain: Verification,
  hashAt: (seq: number) => string | undefined,
  checkpoints: readonly Checkpoint[],
  head: { seq: number; hash: string } | null,
): Promise<Verification> {
  if (!chain.ok) return chain;
  const broken = (at: number, reason: string): Verification => ({ ok: false, checked: chain.checked, brokenAt: at, reason });
  for (const c of checkpoints) {
    if (!(await isCheckpointSigned(key, workspaceId, c))) return broken(c.seq, "a checkpoint's signature does not match (forged or edited)");
    if (c.seq > chain.checked) return broken(chain.checked + 1, `entries after ${chain.checked} were deleted (a signed checkpoint vouches for ${c.seq})`);
    if (hashAt(c.seq) !== c.hash) return broken(c.seq, "the chain was rewritten up to here (it no longer matches a signed checkpoint)");
  }
  const lastSigned = checkpoints.reduce((m, c) => Math.max(m, c.seq), 0);
  if (checkpoints.length && chain.checked > lastSigned)
    return broken(lastSigned + 1, `entries after ${lastSigned} carry no signed checkpoint (added outside Tower)`);
  if (head) {
    if (head.seq > chain.checked) return broken(chain.checked + 1, `entries after ${chain.checked} were deleted (the log reached ${head.seq})`);
    if (head.seq > 0 && hashAt(head.seq) !== head.hash) return broken(head.seq, "the chain was rewritten (it no longer ends where it was sealed)");
  }
  return chain;
}
