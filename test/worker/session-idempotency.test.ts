/**
 * POST /api/sessions with an `Idempotency-Key`: a retry after a failed reply gets the session the first
 * attempt made, never a second launch; the same key for a different request is refused; a key is the
 * caller's own and lasts a day. The failure is real: the launch's audit write is made to fail in D1.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, memberWith, seedWorkspace, type Seed } from "./helpers";

const BODY = { prompt: "write the report", cwd: "/w" };

function launch(seed: Seed, token: string, key: string | null, body: unknown = BODY): Promise<Response> {
  return api("/api/sessions", token, { method: "POST", json: body, ...(key ? { headers: { "idempotency-key": key } } : {}) });
}

async function sessionCount(seed: Seed): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE workspace_id = ?").bind(seed.workspaceId).first<{ n: number }>())!.n;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("happy", () => {
  it("gives a retry after a failed reply the session the first attempt made, and launches once", async () => {
    const seed = await seedWorkspace();
    const key = crypto.randomUUID();
    // The session is created, then the audit write after it fails: the client sees a 500 and retries.
    const prepare = env.DB.prepare.bind(env.DB);
    const failing = vi.spyOn(env.DB, "prepare").mockImplementation((query: string) => {
      if (/insert into "audit_pending"/i.test(query)) {
        failing.mockRestore();
        throw new Error("D1 went away");
      }
      return prepare(query);
    });
    const first = await launch(seed, seed.userToken, key);
    expect(first.status).toBe(500);
    expect(await sessionCount(seed)).toBe(1);
    const retried = await launch(seed, seed.userToken, key);
    expect(retried.status).toBe(201);
    const again = await launch(seed, seed.userToken, key);
    const [a, b] = [await retried.json<{ id: string; status: string }>(), await again.json<{ id: string }>()];
    expect(b.id).toBe(a.id);
    expect(await sessionCount(seed)).toBe(1);
    const row = await env.DB.prepare("SELECT id, title FROM sessions WHERE workspace_id = ?").bind(seed.workspaceId).first<{ id: string; title: string }>();
    expect(row).toEqual({ id: a.id, title: "write the report" });
  });

  it("treats the same body in another key order as the same request", async () => {
    const seed = await seedWorkspace();
    const key = crypto.randomUUID();
    const a = await (await launch(seed, seed.userToken, key, { prompt: "p", cwd: "/w" })).json<{ id: string }>();
    const b = await launch(seed, seed.userToken, key, { cwd: "/w", prompt: "p" });
    expect(b.status).toBe(201);
    expect((await b.json<{ id: string }>()).id).toBe(a.id);
  });

  it("launches again without a key, for another caller with the same key, and after the key's day is over", async () => {
    const seed = await seedWorkspace();
    const other = await memberWith(seed, "member");
    const key = crypto.randomUUID();
    const ids = new Set<string>();
    for (const [token, k] of [
      [seed.userToken, null],
      [seed.userToken, null],
      [seed.userToken, key],
      [other.token, key],
    ] as const) {
      const res = await launch(seed, token, k);
      expect(res.status).toBe(201);
      ids.add((await res.json<{ id: string }>()).id);
    }
    expect(ids.size).toBe(4);
    await env.DB.prepare("UPDATE idempotency_keys SET created_at = created_at - 86400001 WHERE key = ?").bind(key).run();
    const later = await launch(seed, seed.userToken, key, { ...BODY, prompt: "a new day" });
    expect(later.status).toBe(201);
    expect(ids.has((await later.json<{ id: string }>()).id)).toBe(false);
    expect(await sessionCount(seed)).toBe(5);
  });
});

describe("errors", () => {
  it("refuses the same key with a different request, saying what to do, and launches nothing", async () => {
    const seed = await seedWorkspace();
    const key = crypto.randomUUID();
    expect((await launch(seed, seed.userToken, key)).status).toBe(201);
    const res = await launch(seed, seed.userToken, key, { ...BODY, prompt: "something else" });
    expect(res.status).toBe(409);
    const { error } = await res.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/Idempotency-Key ".+" was used at .+ for a different request; send a new key for a new session/);
    expect(await sessionCount(seed)).toBe(1);
  });

  it.each([
    ["too long", "k".repeat(256)],
    ["with a space", "two words"],
  ])("refuses a key %s with the error envelope", async (_, key) => {
    const seed = await seedWorkspace();
    const res = await launch(seed, seed.userToken, key);
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string; message: string } }>()).error).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/idempotency-key/i),
    });
    expect(await sessionCount(seed)).toBe(0);
  });
});
