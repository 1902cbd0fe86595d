/**
 * The audit sealer of one workspace, run inside its WorkspaceHub, which makes it the chain's single
 * writer: it chains pending entries into the log (worker/db/audit.ts), signs each new head with a key
 * kept only in the hub's own storage (never in D1), and remembers the head it sealed. Verification
 * then catches what the bare chain cannot: a deleted tail, or a rewrite with recomputed hashes.
 */
import { allAudit, latestCheckpoint, listCheckpoints, sealPending } from "../worker/db/audit";
import type { Db } from "../worker/db/client";
import { ChainVerifier, checkAnchors, isCheckpointSigned, signCheckpoint, type Verification } from "../worker/domain/audit-chain";

type Anchor = { key: string; seq: number; hash: string };

export class AuditSealer {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sql: SqlStorage,
    private readonly db: Db,
    private readonly workspaceId: string,
  ) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS hub_audit_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL)`,
    );
  }

  /** Chains every pending entry; calls run one after another (one writer per chain). */
  seal(): Promise<{ seq: number; hash: string }> {
    const run = this.#queue.then(async () => {
      const anchor = this.#anchor();
      const key = hexBytes(anchor.key);
      // Chain on from the head this sealer wrote, never from whatever D1 now ends with (its tail may
      // have been deleted). D1 may be ahead only if a crash fell between a page and recording its head:
      // then its newest checkpoint carries our signature.
      let from = anchor.seq > 0 ? { seq: anchor.seq, hash: anchor.hash } : null;
      const latest = await latestCheckpoint(this.db, this.workspaceId);
      if (latest && latest.seq > (from?.seq ?? 0) && (await isCheckpointSigned(key, this.workspaceId, latest))) from = latest;
      const head = await sealPending(this.db, this.workspaceId, (seq, hash) => signCheckpoint(key, this.workspaceId, seq, hash), from);
      if (head.seq >= anchor.seq) this.sql.exec(`UPDATE hub_audit_anchor SET seq = ?, hash = ? WHERE id = 1`, head.seq, head.hash);
      return head;
    });
    this.#queue = run.catch((e) => console.error("audit sealer", e));
    return run;
  }

  /** Seals, then checks the chain, every signed checkpoint, and the head this sealer last wrote. */
  async verify(): Promise<Verification> {
    await this.seal();
    const anchor = this.#anchor();
    const checkpoints = await listCheckpoints(this.db, this.workspaceId);
    const v = new ChainVerifier(new Set([...checkpoints.map((c) => c.seq), anchor.seq]));
    for await (const page of allAudit(this.db, this.workspaceId)) {
      await v.feed(page);
      if (!v.result().ok) break;
    }
    return checkAnchors(hexBytes(anchor.key), this.workspaceId, v.result(), (seq) => v.hashAt(seq), checkpoints, anchor.seq > 0 ? anchor : null);
  }

  #anchor(): Anchor {
    const row = this.sql.exec<Anchor>(`SELECT key, seq, hash FROM hub_audit_anchor WHERE id = 1`).toArray()[0];
    if (row) return row;
    const key = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    this.sql.exec(`INSERT INTO hub_audit_anchor (id, key, seq, hash) VALUES (1, ?, 0, '')`, key);
    return { key, seq: 0, hash: "" };
  }
}

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
