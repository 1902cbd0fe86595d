/**
 * What this machine trusts for signed decisions, kept in its state dir (`trust.json`): its owner's public
 * key, pinned on the machine itself (`tower agent --owner-key`, never from the server), and the revocations
 * it has verified (kept, so a server that later leaves one out cannot bring a key back). While a key is
 * pinned, every approve the agent applies is checked by agent/verify-decision.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import type { ApprovalAnswer } from "../../worker/protocol/agent";
import { parseOwnerPin } from "../../worker/protocol/device-keys";
import {
  Ed25519PublicKey,
  type DecisionProof,
  fromBase64Url,
  signCountProblem,
  WebAuthnCredential,
  WebAuthnPublicKey,
} from "../../worker/protocol/signed-decision";
import { type HeldCall, type Verdict, verifyDecision } from "../verify-decision";

const TrustFile = z.object({
  owner: z.union([
    z.object({ keyId: z.string(), alg: z.literal("ed25519").optional(), publicKey: Ed25519PublicKey }),
    z.object({ keyId: z.string(), alg: z.literal("webauthn"), publicKey: WebAuthnPublicKey, ...WebAuthnCredential.shape }),
  ]),
  revoked: z.array(z.string()).default([]),
  /** The last signature counter accepted from each passkey, by key id. */
  counters: z.record(z.string(), z.number().int().nonnegative()).default({}),
});
type TrustFile = z.infer<typeof TrustFile>;

export class TrustStore {
  #file: TrustFile;
  /** The machine's id as the server welcomed it: only narrows an enrolment limited to some machines. */
  agentId: string | null = null;

  private constructor(
    private readonly path: string,
    file: TrustFile,
  ) {
    this.#file = file;
  }

  get ownerKeyId(): string {
    return this.#file.owner.keyId;
  }

  /**
   * The pinned trust of `stateDir`, pinning `ownerKey` if none is yet; null when nothing is pinned (the
   * machine does not require signed decisions). A different key than the pinned one is refused: re-pinning
   * is done on the machine, by deleting the file.
   */
  static open(stateDir: string, ownerKey: string | undefined): TrustStore | null {
    const path = join(stateDir, "trust.json");
    const pinned = ownerKey === undefined ? undefined : parseOwnerPin(ownerKey);
    if (pinned === null) throw new Error("--owner-key is neither an Ed25519 public key nor a passkey's pin (`tower keys ls --json` prints each key's `pin`)");
    if (existsSync(path)) {
      const file = TrustFile.parse(JSON.parse(readFileSync(path, "utf8")));
      if (pinned && pinned.publicKey !== file.owner.publicKey)
        throw new Error(`${path} pins another owner key (${file.owner.keyId}); delete that file on this machine to pin a new one`);
      return new TrustStore(path, file);
    }
    if (!pinned) return null;
    const keyId = `key_${createHash("sha256").update(fromBase64Url(pinned.publicKey)).digest("hex").slice(0, 32)}`;
    const store = new TrustStore(path, { owner: { keyId, ...pinned }, revoked: [], counters: {} });
    mkdirSync(stateDir, { recursive: true });
    store.#save();
    return store;
  }

  #save(): void {
    writeFileSync(this.path, `${JSON.stringify(this.#file, null, 2)}\n`, { mode: 0o600 });
  }

  /**
   * Checks a decision on the held call, and keeps the revocations it verified on the way and a passkey's
   * counter. IMPORTANT: the counter is checked again and kept with no await between, so two decisions
   * carrying one counter (a clone's) cannot both pass while their verifications overlap.
   */
  async verify(answer: ApprovalAnswer, proof: DecisionProof | undefined, held: HeldCall): Promise<Verdict> {
    const trust = { owner: this.#file.owner, revoked: new Set(this.#file.revoked), counters: new Map(Object.entries(this.#file.counters)) };
    let v = await verifyDecision({ answer, proof, held, trust, agentId: this.agentId, now: Date.now() });
    const fresh = v.revocations.map((r) => r.statement.keyId).filter((id) => !this.#file.revoked.includes(id));
    let changed = fresh.length > 0;
    if (changed) this.#file = { ...this.#file, revoked: [...this.#file.revoked, ...fresh] };
    if (v.ok && v.counter) {
      const { keyId, count } = v.counter;
      const cloned = signCountProblem(this.#file.counters[keyId] ?? 0, count);
      if (cloned) v = { ok: false, reason: cloned, revocations: v.revocations };
      else {
        this.#file = { ...this.#file, counters: { ...this.#file.counters, [keyId]: count } };
        changed = true;
      }
    }
    if (changed) this.#save();
    return v;
  }
}
