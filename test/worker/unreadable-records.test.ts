/**
 * Stored JSON that no longer reads (hand-edited, or written by an older release) through the real
 * Worker, room and D1: a device key's signed statements must never read as "none" and so let a key
 * decide, and a person's quiet hours must neither break their settings nor stop the pushes they get.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { DeviceKeyInfo } from "../../worker/protocol/device-keys";
import type { LoopbackSubscription, ReceivedPush } from "../fixtures/loopback-push";
import { api, envelope, eventually, seedWorkspace, startedSession } from "./helpers";
import { newKey, pendingApproval, register, sign, statement } from "./signing";

const STORED = [
  ["is not JSON", "{not json"],
  ["has the wrong shape", JSON.stringify({ statement: { type: "tower.revocation/v1" }, signature: "none" })],
] as const;

describe("security: a device key whose stored statement no longer reads", () => {
  for (const column of ["enrolment", "revocation", "webauthn"] as const) {
    for (const [label, stored] of STORED) {
      it(`is listed with the reason and decides nothing when its ${column} ${label}`, async () => {
        const seed = await seedWorkspace(`unreadable-${column}`);
        const key = await newKey();
        expect((await register(seed.userToken, key)).status).toBe(201);
        const { agent } = await startedSession(seed);
        const a = await pendingApproval(seed, agent, "r1", { command: "ls" });
        await env.DB.prepare(`update device_keys set ${column} = ? where id = ?`).bind(stored, key.keyId).run();

        const listed = await api("/api/keys", seed.userToken);
        expect(listed.status).toBe(200);
        const [info] = (await listed.json<{ keys: (DeviceKeyInfo & { unreadable?: string })[] }>()).keys;
        expect(info).toMatchObject({ id: key.keyId, [column]: null, unreadable: expect.stringContaining(column) });

        const signed = await sign(key, statement(seed, a, key));
        const res = await api(`/api/approvals/${a.id}/decision`, seed.userToken, {
          method: "POST",
          json: { decision: "approve", inputSha256: a.inputSha256, signed },
        });
        expect(res.status).toBe(403);
        expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/does not read.*tower keys add/);
      });
    }
  }
});

const service = inject("pushServiceUrl");

describe("errors: quiet hours that no longer read", () => {
  for (const [label, stored] of [
    ["are not JSON", "{not json"],
    ["name no time zone there is", JSON.stringify({ start: "00:00", end: "23:59", timeZone: "Mars/Olympus" })],
  ] as const) {
    it(`still push a waiting call, and the settings say they need setting again, when they ${label}`, async () => {
      const seed = await seedWorkspace("unreadable-quiet");
      const device = await (await fetch(`${service}/control/subscribe`, { method: "POST" })).json<LoopbackSubscription>();
      expect((await api("/api/me/push", seed.userToken, { method: "POST", json: { ...device, device: "phone" } })).status).toBe(200);
      const quiet = { start: "22:00", end: "07:00", timeZone: "Europe/Berlin" };
      expect((await api("/api/me/push/preferences", seed.userToken, { method: "PUT", json: { scope: "all", quiet } })).status).toBe(200);
      await env.DB.prepare("update push_preferences set quiet = ? where user_id = ?").bind(stored, seed.userId).run();

      const settings = await api("/api/me/push", seed.userToken);
      expect(settings.status).toBe(200);
      expect(await settings.json()).toMatchObject({ preferences: { scope: "all", quiet: null }, quietUnreadable: expect.stringContaining("set them again") });

      const { agent } = await startedSession(seed);
      agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId: "q1", toolName: "Bash", input: { command: "make" } })] });
      const received = async () => (await fetch(`${service}/control/${device.id}/received`)).json<ReceivedPush[]>();
      await eventually(async () => (await received()).length > 0, 10_000);
    });
  }
});
