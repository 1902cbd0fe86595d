import { beforeAll, describe, expect, it } from "vitest";
import { api, seedWorkspace, type Seed } from "./helpers";

let seed: Seed;
let sessionId: string;
const unknownSession = "ses_00000000000000000000";
const unknownApproval = "apr_00000000000000000000";

beforeAll(async () => {
  seed = await seedWorkspace();
  sessionId = (await (await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "x", cwd: "/tmp" } })).json<{ id: string }>()).id;
});

type Case = [name: string, method: string, path: () => string, body: unknown, status: number, code: string];

// Every route with input it must refuse: the status, the envelope's code, and nothing written.
const cases: Case[] = [
  ["list with limit 0", "GET", () => "/api/sessions?limit=0", undefined, 400, "BAD_REQUEST"],
  ["list with a bad archived flag", "GET", () => "/api/sessions?archived=maybe", undefined, 400, "BAD_REQUEST"],
  ["get an unknown session", "GET", () => `/api/sessions/${unknownSession}`, undefined, 404, "NOT_FOUND"],
  ["events after a negative seq", "GET", () => `/api/sessions/${sessionId}/events?after=-1`, undefined, 400, "BAD_REQUEST"],
  ["events with a huge limit", "GET", () => `/api/sessions/${sessionId}/events?limit=5000`, undefined, 400, "BAD_REQUEST"],
  ["events of an unknown session", "GET", () => `/api/sessions/${unknownSession}/events`, undefined, 404, "NOT_FOUND"],
  ["patch with nothing to change", "PATCH", () => `/api/sessions/${sessionId}`, {}, 400, "BAD_REQUEST"],
  ["patch with an empty title", "PATCH", () => `/api/sessions/${sessionId}`, { title: "" }, 400, "BAD_REQUEST"],
  ["patch with a non-boolean archived", "PATCH", () => `/api/sessions/${sessionId}`, { archived: "yes" }, 400, "BAD_REQUEST"],
  ["patch an unknown session", "PATCH", () => `/api/sessions/${unknownSession}`, { title: "t" }, 404, "NOT_FOUND"],
  ["interrupt an unknown session", "POST", () => `/api/sessions/${unknownSession}/interrupt`, undefined, 404, "NOT_FOUND"],
  ["continue with an empty prompt", "POST", () => `/api/sessions/${sessionId}/continue`, { prompt: " " }, 400, "BAD_REQUEST"],
  ["continue a session that has not stopped", "POST", () => `/api/sessions/${sessionId}/continue`, { prompt: "more" }, 409, "CONFLICT"],
  ["fork a session with no Claude conversation yet", "POST", () => `/api/sessions/${sessionId}/continue`, { prompt: "more", fork: true }, 409, "CONFLICT"],
  ["approvals with a bad status", "GET", () => "/api/approvals?status=bogus", undefined, 400, "BAD_REQUEST"],
  ["approvals for a malformed session id", "GET", () => "/api/approvals?session=nope", undefined, 400, "BAD_REQUEST"],
  ["a decision that is neither approve nor deny", "POST", () => `/api/approvals/${unknownApproval}/decision`, { decision: "maybe" }, 400, "BAD_REQUEST"],
  [
    "a decision with a non-object updatedInput",
    "POST",
    () => `/api/approvals/${unknownApproval}/decision`,
    { decision: "approve", inputSha256: "0".repeat(64), updatedInput: "rm -rf /" },
    400,
    "BAD_REQUEST",
  ],
  ["a decision without the hash of the input it saw", "POST", () => `/api/approvals/${unknownApproval}/decision`, { decision: "approve" }, 400, "BAD_REQUEST"],
  [
    "a decision with a malformed input hash",
    "POST",
    () => `/api/approvals/${unknownApproval}/decision`,
    { decision: "approve", inputSha256: "ABC" },
    400,
    "BAD_REQUEST",
  ],
  [
    "a decision on an unknown approval",
    "POST",
    () => `/api/approvals/${unknownApproval}/decision`,
    { decision: "approve", inputSha256: "0".repeat(64) },
    404,
    "NOT_FOUND",
  ],
  ["an unknown approval", "GET", () => `/api/approvals/${unknownApproval}`, undefined, 404, "NOT_FOUND"],
  ["a session socket without an upgrade", "GET", () => `/api/sessions/${sessionId}/live`, undefined, 400, "BAD_REQUEST"],
  ["a workspace socket without an upgrade", "GET", () => "/api/workspace/live", undefined, 400, "BAD_REQUEST"],
];

describe("errors", () => {
  it.each(cases)("refuses %s", async (_name, method, path, body, status, code) => {
    const before = await (await api(`/api/sessions/${sessionId}/events`, seed.userToken)).json<{ lastSeq: number }>();
    const res = await api(path(), seed.userToken, { method, ...(body !== undefined ? { json: body } : {}) });
    expect(res.status).toBe(status);
    const envelope = await res.json<{ error: { code: string; message: string; requestId: string } }>();
    expect(envelope.error).toMatchObject({ code });
    expect(envelope.error.message.length).toBeGreaterThan(5);
    const after = await (await api(`/api/sessions/${sessionId}/events`, seed.userToken)).json<{ lastSeq: number }>();
    expect(after.lastSeq).toBe(before.lastSeq);
    const list = await (await api("/api/sessions?archived=all", seed.userToken)).json<{ sessions: unknown[] }>();
    expect(list.sessions).toHaveLength(1);
  });
});

describe("security", () => {
  it("refuses a live socket for a session outside the workspace before upgrading", async () => {
    const res = await api(`/api/sessions/${unknownSession}/live`, seed.userToken, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(404);
    expect(res.webSocket).toBeNull();
  });
});
