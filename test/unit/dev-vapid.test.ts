import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { devPushVars } from "../../agent/up/dev-vapid";
import { pushConfig } from "../../worker/push/send";

describe("npm start's VAPID key", () => {
  it("is made once, kept private in the state dir, and is a key the Worker takes (its public key derived)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tower-vapid-"));
    const first = await devPushVars(dir);
    expect((await stat(join(dir, "vapid.json"))).mode & 0o777).toBe(0o600);
    expect(await devPushVars(dir)).toEqual(first);
    const cfg = pushConfig(first);
    expect(cfg.vapid?.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/);
    expect(cfg.allowLoopback).toBe(false);
  });

  it("refuses a VAPID_PRIVATE_KEY that is not a P-256 private JWK, naming how to make one", () => {
    expect(() => pushConfig({ VAPID_PRIVATE_KEY: '{"kty":"EC","crv":"P-256","x":"a","y":"b"}' })).toThrow(/npm run vapid:key/);
    expect(pushConfig({}).vapid).toBeNull();
  });
});
