import { describe, expect, it } from "vitest";
import { encodePushPayload, inputSummary, inQuietHours, isAllowedPushEndpoint, pushRecipients, type Subscriber } from "../../worker/domain/push";
import type { SessionAccess } from "../../worker/domain/visibility";
import type { ApprovalRouting } from "../../worker/protocol/approval";
import { MAX_PUSH_JSON_BYTES, type PushPayload } from "../../worker/protocol/push";

describe("security: push endpoints", () => {
  it.each([
    ["https://fcm.googleapis.com/fcm/send/abc", false, true],
    ["https://updates.push.services.mozilla.com/wpush/v2/x", false, true],
    ["https://wns2-by3p.notify.windows.com/w/?token=x", false, true],
    ["https://web.push.apple.com/QGx", false, true],
    ["http://fcm.googleapis.com/fcm/send/abc", false, false],
    ["https://fcm.googleapis.com:8443/x", false, false],
    ["https://notify.windows.com.evil.test/x", false, false],
    ["https://evilnotify.windows.com/x", false, false],
    ["https://user:pw@fcm.googleapis.com/x", false, false],
    ["https://169.254.169.254/latest", false, false],
    ["http://127.0.0.1:9999/push/1", false, false],
    ["http://127.0.0.1:9999/push/1", true, true],
    ["http://localhost:9999/push/1", true, true],
    ["http://10.0.0.1/push/1", true, false],
    ["not a url", true, false],
  ])("%s (loopback allowed: %s) → %s", (url, loopback, ok) => {
    expect(isAllowedPushEndpoint(url, loopback)).toBe(ok);
  });
});

describe("quiet hours", () => {
  // 2026-01-15 23:30 UTC is 00:30 in Berlin (CET, +1).
  const t = Date.UTC(2026, 0, 15, 23, 30);
  it.each([
    [{ start: "22:00", end: "07:00", timeZone: "Europe/Berlin" }, true],
    [{ start: "22:00", end: "07:00", timeZone: "America/New_York" }, false], // 18:30
    [{ start: "00:00", end: "01:00", timeZone: "Europe/Berlin" }, true],
    [{ start: "00:31", end: "01:00", timeZone: "Europe/Berlin" }, false],
    [{ start: "08:00", end: "08:00", timeZone: "UTC" }, false],
  ])("%o → %s", (q, quiet) => {
    expect(inQuietHours(q, t)).toBe(quiet);
  });
});

describe("who is pushed a waiting call", () => {
  const access: SessionAccess = { ownerId: "usr_owner", grants: [{ principal: "user:usr_collab", role: "collaborator" }] };
  const sub = (userId: string, role: Subscriber["role"], scope: "mine" | "groups" | "all" = "all"): Subscriber => ({
    userId,
    role,
    preferences: { scope, quiet: null },
  });
  const people = [sub("usr_owner", "member"), sub("usr_collab", "member"), sub("usr_admin", "admin"), sub("usr_other", "member"), sub("usr_viewer", "viewer")];

  it("the session's deciders (owner, collaborator, admin), not others", () => {
    expect(pushRecipients("wsp_1", { routing: null }, access, people, 0)).toEqual(["usr_owner", "usr_collab", "usr_admin"]);
  });

  it("a routed call: only the people it names, whatever their role on the session", () => {
    const routing: ApprovalRouting = { decideBy: "group:sre", rule: "rule r (v1)", label: "group sre", eligible: ["usr_other"], quorum: 1, approvals: [] };
    expect(pushRecipients("wsp_1", { routing }, access, people, 0)).toEqual(["usr_other"]);
  });

  it("preferences narrow it: mine, groups, all; quiet hours hold it back but not its close", () => {
    const routing: ApprovalRouting = { decideBy: "group:sre", rule: "r", label: "g", eligible: ["usr_owner", "usr_admin"], quorum: 1, approvals: [] };
    const narrowed = [sub("usr_owner", "member", "mine"), sub("usr_admin", "admin", "mine")];
    expect(pushRecipients("wsp_1", { routing }, access, narrowed, 0)).toEqual(["usr_owner"]);
    expect(pushRecipients("wsp_1", { routing }, access, [sub("usr_admin", "admin", "groups")], 0)).toEqual(["usr_admin"]);
    expect(pushRecipients("wsp_1", { routing: null }, access, [sub("usr_admin", "admin", "groups")], 0)).toEqual([]);
    const sleeping: Subscriber = {
      userId: "usr_owner",
      role: "member",
      preferences: { scope: "all", quiet: { start: "00:00", end: "23:59", timeZone: "UTC" } },
    };
    expect(pushRecipients("wsp_1", { routing: null }, access, [sleeping], Date.UTC(2026, 0, 1, 12))).toEqual([]);
    expect(pushRecipients("wsp_1", { routing: null }, access, [sleeping], Date.UTC(2026, 0, 1, 12), true)).toEqual(["usr_owner"]);
  });
});

describe("payload", () => {
  it("summarises a command or a file and its first lines, scrubbed", () => {
    expect(inputSummary("Bash", { command: "export API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789 && ls" })).not.toContain("sk-abcdefghijklmnop");
    const s = inputSummary("Write", { file_path: "/src/a.ts", content: Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n") });
    expect(s.split("\n")).toEqual(["/src/a.ts", "+ line 0", "+ line 1", "+ line 2", "+ line 3", "+ line 4", "+ line 5"]);
  });

  it("stays under the push size limit however long the call", () => {
    const p: PushPayload = {
      type: "approval",
      approvalId: "apr_00000000000000000000" as never,
      sessionId: "ses_00000000000000000000" as never,
      inputSha256: "0".repeat(64),
      tool: "Bash",
      summary: "é".repeat(5000),
      sessionTitle: "t".repeat(200),
      machine: "m",
      expiresAt: 1,
    };
    const json = encodePushPayload(p);
    expect(new TextEncoder().encode(json).byteLength).toBeLessThanOrEqual(MAX_PUSH_JSON_BYTES);
    expect(JSON.parse(json)).toMatchObject({ approvalId: p.approvalId, inputSha256: p.inputSha256 });
  });
});
