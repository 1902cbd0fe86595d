/**
 * The room's seal on a rule's decision. The room answers a call its rules decide before its record of the
 * call is durable (the answer would otherwise wait on the storage write); the agent journals the sealed
 * decision it applied and, after a crash of the room in between, resends it with the request. The seal (an
 * HMAC under a key kept in the room's own storage) shows the room gave exactly that verdict, by that rule
 * and version, on this session's request with this input, so the room records it without judging again.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { RuleStamp } from "../worker/protocol/agent";
import { RuleVerdict } from "../worker/protocol/rules";
import { canonicalJson } from "../worker/domain/canonical-json";

const KEY = "rule_seal_key";

export class RuleSeal {
  #key: Buffer | null = null;

  /**
   * Loads the room's key, making one on the room's first start. IMPORTANT: call it in onStart, before any
   * input: the new key's write then commits before any frame sealed with it can leave.
   */
  load(sql: SqlStorage): void {
    const row = sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = ?`, KEY).toArray()[0];
    if (row) {
      this.#key = Buffer.from(row.value, "hex");
      return;
    }
    const key = randomBytes(32);
    sql.exec(`INSERT INTO room_meta (key, value) VALUES (?, ?)`, KEY, key.toString("hex"));
    this.#key = key;
  }

  stamp(sessionId: string, requestId: string, inputSha256: string, verdict: RuleVerdict): RuleStamp {
    // As the agent will parse it back (the wire schema), so the seal it echoes covers the same bytes.
    const wire = RuleVerdict.parse(verdict);
    return { verdict: wire, seal: this.#mac(sessionId, requestId, inputSha256, wire) };
  }

  /** True when `stamp` is a decision this room sealed for exactly this request and input. */
  verify(sessionId: string, requestId: string, inputSha256: string, stamp: RuleStamp): boolean {
    const want = Buffer.from(this.#mac(sessionId, requestId, inputSha256, stamp.verdict), "hex");
    const got = Buffer.from(stamp.seal, "hex");
    return got.length === want.length && timingSafeEqual(got, want);
  }

  #mac(sessionId: string, requestId: string, inputSha256: string, verdict: RuleVerdict): string {
    if (!this.#key) throw new Error("the rule seal's key is not loaded (RuleSeal.load runs in onStart)");
    return createHmac("sha256", this.#key).update(canonicalJson({ sessionId, requestId, inputSha256, verdict })).digest("hex");
  }
}
