/**
 * The audit log commits with its action and is anchored (security issue 10, items 13 and 18): no
 * action without its entry under concurrency or a failed write, and neither a deleted tail nor a
 * rewrite with recomputed hashes verifies as intact.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { entryHash, type AuditContent } from "../../worker/domain/audit-chain";
import { api, memberWith, seedWorkspace, type Seed } from "./helpers";

const newToken = (token: string, name: string) => api("/api/tokens", token, { method: "POST", json: { name } });
const verify = async (token: string) =>
  (await api("/api/audit/verify", token)).json<{ ok: boolean; checked: number; brokenAt: number | null; reason: string | null }>();

type Row = {
  workspace_id: string;
  seq: number;
  at: number;
  actor: string;
  actor_kind: AuditContent["actorKind"];
  via: string;
  action: string;
  target: string;
  details: string;
  prev_hash: string;
  hash: string;
};

/** What someone with write access to D1 alone can do: rewrite an entry and recompute every later hash. */
async function rewriteAndRechain(workspaceId: string, seq: number): Promise<void> {
  const rows = (await env.DB.prepare("SELECT * FROM audit_log WHERE workspace_id = ? ORDER BY seq").bind(workspaceId).all<Row>()).results;
  let prev = rows[seq - 2]?.hash ?? "0".repeat(64);
  for (const r of rows.slice(seq - 1)) {
    const content: AuditContent = {
      workspaceId,
      seq: r.seq,
      at: r.at,
      actor: r.seq === seq ? "someone else" : r.actor,
      actorKind: r.actor_kind,
      via: r.via,
      action: r.action,
      target: r.target,
      details: JSON.parse(r.details),
    };
    const hash = await entryHash(content, prev);
    await env.DB.prepare("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE workspace_id = ? AND seq = ?")
      .bind(content.actor, prev, hash, workspaceId, r.seq)
      .run();
    prev = hash;
  }
}

describe("security: the audit entry and its action commit together", () => {
  it("records every one of 60 concurrent token creations, in one unbroken chain", async () => {
    const seed = await seedWorkspace();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => newToken(seed.userToken, `t${i}`)));
    expect(answers.map((r) => r.status)).toEqual(Array(60).fill(201));
    expect(await verify(seed.userToken)).toEqual({ ok: true, checked: 60, brokenAt: null, reason: null });
    const { entries } = await (await api("/api/audit?action=token.create&limit=100", seed.userToken)).json<{ entries: unknown[] }>();
    expect(entries).toHaveLength(60);
  });

  /** Each action, the request that does it, and how to tell whether it happened anyway. */
  const ACTIONS = [
    {
      action: "token.create",
      act: (s: Seed) => newToken(s.userToken, "unaudited"),
      happened: async (s: Seed) =>
        (await (await api("/api/tokens", s.userToken)).json<{ tokens: { name: string }[] }>()).tokens.some((t) => t.name === "unaudited"),
    },
    {
      action: "member.role",
      act: async (s: Seed) => api(`/api/members/${(await viewerOf(s)).userId}`, s.userToken, { method: "PATCH", json: { role: "member" } }),
      happened: async (s: Seed) =>
        (await (await api("/api/members", s.userToken)).json<{ members: { role: string }[] }>()).members.some((m) => m.role === "member"),
    },
    {
      action: "member.remove",
      act: async (s: Seed) => api(`/api/members/${(await viewerOf(s)).userId}`, s.userToken, { method: "DELETE" }),
      happened: async (s: Seed) =>
        !(await (await api("/api/members", s.userToken)).json<{ members: { role: string }[] }>()).members.some((m) => m.role === "viewer"),
    },
    {
      action: "invitation.create",
      act: (s: Seed) => api("/api/invitations", s.userToken, { method: "POST", json: { role: "viewer" } }),
      happened: async (s: Seed) => (await (await api("/api/invitations", s.userToken)).json<{ invitations: unknown[] }>()).invitations.length > 0,
    },
  ];
  const viewers = new Map<string, { userId: string }>();
  const viewerOf = async (s: Seed) => viewers.get(s.workspaceId) ?? viewers.set(s.workspaceId, await memberWith(s, "viewer", "vic")).get(s.workspaceId)!;

  it.each(ACTIONS)("$action does not happen when its audit entry cannot be written", async ({ act, happened }) => {
    const seed = await seedWorkspace();
    await viewerOf(seed);
    await env.DB.prepare("ALTER TABLE audit_pending RENAME TO audit_pending_away").run();
    try {
      expect((await act(seed)).status).toBe(500);
    } finally {
      await env.DB.prepare("ALTER TABLE audit_pending_away RENAME TO audit_pending").run();
    }
    expect(await happened(seed)).toBe(false);
  });
});

describe("security: the audit chain is anchored", () => {
  it("detects the newest entries deleted", async () => {
    const seed = await seedWorkspace();
    for (const n of ["a", "b", "c"]) await newToken(seed.userToken, n);
    expect(await verify(seed.userToken)).toMatchObject({ ok: true, checked: 3 });
    await env.DB.prepare("DELETE FROM audit_log WHERE workspace_id = ? AND seq = 3").bind(seed.workspaceId).run();
    expect(await verify(seed.userToken)).toMatchObject({ ok: false, brokenAt: 3, reason: expect.stringMatching(/deleted/) });
  });

  it("detects the newest entries deleted together with their checkpoints", async () => {
    const seed = await seedWorkspace();
    for (const n of ["a", "b", "c"]) await newToken(seed.userToken, n);
    await verify(seed.userToken);
    await env.DB.prepare("DELETE FROM audit_log WHERE workspace_id = ? AND seq >= 2").bind(seed.workspaceId).run();
    await env.DB.prepare("DELETE FROM audit_checkpoints WHERE workspace_id = ? AND seq >= 2").bind(seed.workspaceId).run();
    expect(await verify(seed.userToken)).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringMatching(/deleted/) });
  });

  it("detects an entry rewritten with every later hash recomputed", async () => {
    const seed = await seedWorkspace();
    for (const n of ["a", "b", "c"]) await newToken(seed.userToken, n);
    expect(await verify(seed.userToken)).toMatchObject({ ok: true, checked: 3 });
    await rewriteAndRechain(seed.workspaceId, 2);
    expect(await verify(seed.userToken)).toMatchObject({ ok: false, reason: expect.stringMatching(/rewritten/) });
  });

  it("detects a forged checkpoint", async () => {
    const seed = await seedWorkspace();
    for (const n of ["a", "b"]) await newToken(seed.userToken, n);
    await verify(seed.userToken);
    await rewriteAndRechain(seed.workspaceId, 1);
    const head = await env.DB.prepare("SELECT hash FROM audit_log WHERE workspace_id = ? AND seq = 2").bind(seed.workspaceId).first<{ hash: string }>();
    await env.DB.prepare("UPDATE audit_checkpoints SET hash = ? WHERE workspace_id = ?").bind(head!.hash, seed.workspaceId).run();
    expect(await verify(seed.userToken)).toMatchObject({ ok: false, reason: expect.stringMatching(/signature|rewritten/) });
  });
});
