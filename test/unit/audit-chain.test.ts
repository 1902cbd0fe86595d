import { describe, expect, it } from "vitest";
import { GENESIS, entryHash, verifyChain, type AuditContent, type ChainedEntry } from "../../worker/domain/audit-chain";

async function chain(n: number): Promise<ChainedEntry[]> {
  const out: ChainedEntry[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const content: AuditContent = {
      workspaceId: "wsp_x",
      seq,
      at: 1000 + seq,
      actor: "ann",
      actorKind: "user",
      via: "api",
      action: "token.create",
      target: `tok_${seq}`,
      details: { n: seq, nested: { b: 1, a: 2 } },
    };
    const hash = await entryHash(content, prev);
    out.push({ ...content, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe("audit chain", () => {
  it("verifies an intact chain", async () => {
    expect(await verifyChain(await chain(5))).toEqual({ ok: true, checked: 5, brokenAt: null, reason: null });
  });

  it("hashes content canonically, whatever the key order", async () => {
    const c: AuditContent = { workspaceId: "w", seq: 1, at: 1, actor: "a", actorKind: "user", via: "api", action: "x", target: "t", details: { a: 1, b: 2 } };
    const reordered = { ...c, details: { b: 2, a: 1 } };
    expect(await entryHash(c, GENESIS)).toBe(await entryHash(reordered, GENESIS));
  });

  it.each([
    ["an edited entry", (c: ChainedEntry[]) => void (c[2]!.details = { n: 99 }), 3, /edited/],
    ["an edited actor", (c: ChainedEntry[]) => void (c[1]!.actor = "mallory"), 2, /edited/],
    ["a removed entry", (c: ChainedEntry[]) => void c.splice(1, 1), 3, /entry 2 is missing/],
    ["a re-hashed edit that no longer chains", (c: ChainedEntry[]) => void (c[3]!.prevHash = "f".repeat(64)), 4, /chain/],
  ])("detects %s and names where the chain breaks", async (_name, tamper, brokenAt, reason) => {
    const c = await chain(5);
    tamper(c);
    const v = await verifyChain(c);
    expect(v.ok).toBe(false);
    expect(v.brokenAt).toBe(brokenAt);
    expect(v.reason).toMatch(reason);
  });
});
