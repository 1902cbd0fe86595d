/**
 * The authorization matrix, generated from the app's own route table: every HTTP route and socket
 * upgrade × every kind of caller → allowed or refused, as the table below expects. A route that is
 * added without a rule in worker/routes/permissions.ts, or without a row here, fails shard 1.
 * Split over the authorization-matrix-N.test.ts files: in one runtime, each fixture left work behind
 * and a request took 45 ms at the start and 530 ms 300 cases later; a file per shard starts fresh.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { canonicalSha256 } from "../../party/hash";
import app from "../../worker/app";
import { makeDb } from "../../worker/db/client";
import { putGrant } from "../../worker/db/grants";
import { revokeTokenQuery } from "../../worker/db/tokens";
import type { Action } from "../../worker/domain/policy";
import { PERMISSIONS } from "../../worker/routes/permissions";
import { toBase64Url } from "../../worker/protocol/signed-decision";
import { api, eventually, memberWith, openSocket, seedWorkspace, serveDiscovery } from "./helpers";

const PRINCIPALS = ["owner", "admin", "member", "viewer", "collaborator", "sessionViewer", "otherWorkspace", "anonymous", "revoked", "agent"] as const;
type Principal = (typeof PRINCIPALS)[number];

const everyone: Principal[] = ["owner", "admin", "member", "viewer", "collaborator", "sessionViewer", "otherWorkspace"];
/**
 * Who may do each action in the fixture's workspace, on its session (owned by a member who is
 * none of the callers). `otherWorkspace` is the owner of a different workspace: see `expected`.
 */
const EXPECTED: Record<Action, Principal[]> = {
  public: [...PRINCIPALS],
  health: everyone,
  "session.create": ["owner", "admin", "member", "collaborator", "sessionViewer", "otherWorkspace"],
  "session.list": everyone,
  "session.read": ["owner", "admin", "collaborator", "sessionViewer"],
  "session.act": ["owner", "admin", "collaborator"],
  "session.manage": ["owner", "admin"],
  "approval.list": everyone,
  "agent.list": everyone,
  "agent.connect": ["agent"],
  "machine.manage": ["owner", "admin"],
  "workspace.live": everyone,
  "member.read": everyone,
  "member.manage": ["owner", "admin"],
  "workspace.manage": ["owner", "admin"],
  "token.own": everyone,
  "token.admin": ["owner", "admin"],
  "audit.read": ["owner", "admin"],
  "search.admin": ["owner", "admin"],
  "template.read": everyone,
  "template.write": ["owner", "admin", "member", "collaborator", "sessionViewer", "otherWorkspace"],
  "pipeline.read": everyone,
  "pipeline.run": ["owner", "admin", "member", "collaborator", "sessionViewer", "otherWorkspace"],
  // The fixture's run is started by the owner: only they and admins may cancel or re-run it.
  "pipeline.manage": ["owner", "admin"],
  "rules.read": ["owner", "admin", "member", "collaborator", "sessionViewer", "otherWorkspace"],
  "rules.write": ["owner", "admin"],
  "push.own": everyone,
};

interface Fixture {
  tokens: Record<Principal, string | null>;
  tokenIds: Partial<Record<Principal, string>>;
  /** Each caller's own device key, for the routes that enrol or revoke "your own" key. */
  keyIds: Partial<Record<Principal, string>>;
  sessionId: string;
  workspaceId: string;
  bystander: string;
  collaborator: string;
  /** Set for the routes that name an approval; refused outright (see `approvalOf`) for the others. */
  approvalId: string | null;
  agentId: string;
  invitationId: string;
  userCodes: Partial<Record<Principal, string>>;
  templateName: string;
  runId: string;
}

async function fixture(key: string): Promise<Fixture> {
  const needsApproval = key.includes("/api/approvals/:id") || key.includes("/approvals/:approvalId");
  const seed = await seedWorkspace("matrix");
  const other = await seedWorkspace("elsewhere");
  const author = await memberWith(seed, "member", "author");
  const { id: sessionId } = await (await api("/api/sessions", author.token, { method: "POST", json: { prompt: "p", cwd: "/tmp" } })).json<{ id: string }>();
  const admin = await memberWith(seed, "admin");
  const member = await memberWith(seed, "member");
  const viewer = await memberWith(seed, "viewer");
  const collaborator = await memberWith(seed, "member", "collaborator");
  const sessionViewer = await memberWith(seed, "member", "session-viewer");
  const bystander = await memberWith(seed, "member", "bystander");
  const db = makeDb(env.DB);
  await putGrant(db, seed.workspaceId, sessionId, { principal: `user:${collaborator.userId}`, role: "collaborator", grantedBy: "test", createdAt: Date.now() });
  await putGrant(db, seed.workspaceId, sessionId, { principal: `user:${sessionViewer.userId}`, role: "viewer", grantedBy: "test", createdAt: Date.now() });
  const revoked = await memberWith(seed, "owner", "revoked-owner");
  const tokens = (await (await api("/api/tokens", revoked.token)).json<{ tokens: { id: string }[] }>()).tokens;
  await revokeTokenQuery(db, tokens[0]!.id, Date.now());
  const templateName = `matrix-${crypto.randomUUID().slice(0, 8)}`;
  if (key.startsWith("GET /api/templates/") || key.startsWith("PUT /api/templates/") || key.startsWith("POST /api/templates/:id")) {
    const made = await api("/api/templates", seed.userToken, { method: "POST", json: { name: templateName, recipe: { prompt: "p", cwd: "/tmp" } } });
    if (made.status !== 201) throw new Error(`template fixture: ${made.status} ${await made.text()}`);
  }
  // Saving a session as a template needs to read it: share it with the whole workspace for that route.
  if (key === "POST /api/templates/from-session")
    await putGrant(db, seed.workspaceId, sessionId, { principal: "workspace", role: "viewer", grantedBy: "test", createdAt: Date.now() });
  let runId = "run_00000000000000000000";
  if (key.includes("/api/pipelines/runs/:id")) {
    const started = await api("/api/pipelines/runs", seed.userToken, { method: "POST", json: PIPELINE });
    if (started.status !== 201) throw new Error(`run fixture: ${started.status} ${await started.text()}`);
    runId = (await started.json<{ id: string }>()).id;
  }
  let approvalId: string | null = null;
  if (needsApproval) {
    const link = await openSocket("/api/agents/connect", seed.agentToken);
    link.send({ type: "hello", machine: { name: "m", hostname: "h" }, running: [] });
    const launch = await link.next((f) => f.type === "launch");
    const agent = await openSocket(`/api/sessions/${sessionId}/agent`, seed.agentToken);
    const runId = (launch.order as { runId: string }).runId;
    agent.send({
      type: "agent-events",
      events: [
        { id: "a1", at: 1, event: { type: "run-started", runId } },
        { id: "a2", at: 1, event: { type: "approval-request", requestId: "r1", toolName: "Bash", input: { command: "ls" } } },
      ],
    });
    await agent.next((f) => f.type === "ack");
    agent.close();
    link.close();
    // Without an approval every case of this route would ask about `/api/approvals/null`, and a 400 for that id is no verdict.
    approvalId = await eventually(async () => {
      const r = await (await api(`/api/approvals?session=${sessionId}`, seed.userToken)).json<{ approvals: { id: string }[] }>();
      return r.approvals[0]?.id ?? null;
    }, 10_000).catch(() => {
      throw new Error(`approval fixture: no approval of session ${sessionId} reached the inbox`);
    });
  }
  const byPrincipal: Record<Principal, string | null> = {
    owner: seed.userToken,
    admin: admin.token,
    member: member.token,
    viewer: viewer.token,
    collaborator: collaborator.token,
    sessionViewer: sessionViewer.token,
    otherWorkspace: other.userToken,
    anonymous: null,
    revoked: revoked.token,
    agent: seed.agentToken,
  };
  const tokenIds: Partial<Record<Principal, string>> = {};
  const keyIds: Partial<Record<Principal, string>> = {};
  // One pending device sign-in per caller, for the approve route.
  const userCodes: Partial<Record<Principal, string>> = {};
  for (const p of key === "POST /api/auth/device/approve" ? PRINCIPALS : []) {
    const started = await (await api("/api/auth/device", null, { method: "POST", json: { kind: "cli" } })).json<{ userCode: string }>();
    userCodes[p] = started.userCode;
  }
  if (key.endsWith(" /api/workspace/sso")) {
    const provider = serveDiscovery();
    for (const owner of [seed.userToken, other.userToken]) {
      await api("/api/workspace/sso", owner, { method: "PUT", json: { issuer: "https://id.example.com", clientId: "tower", clientSecret: "s3cret" } });
    }
    provider.restore();
  }
  const invitation = key.startsWith("DELETE /api/invitations/")
    ? (await (await api("/api/invitations", seed.userToken, { method: "POST", json: { role: "member" } })).json<{ invitation: { id: string } }>()).invitation
    : { id: "inv_00000000000000000000" };
  for (const p of everyone) {
    const t = byPrincipal[p]!;
    // A second token per caller, for the routes that rotate or revoke "your own" token.
    const listed = await (await api("/api/tokens", t, { method: "POST", json: { name: "spare", scopes: ["read"] } })).json<{ info?: { id: string } }>();
    if (listed.info) tokenIds[p] = listed.info.id;
    if (key.includes(" /api/keys/:id")) {
      const made = await api("/api/keys", t, { method: "POST", json: { alg: "ed25519", publicKey: randomPublicKey(), label: "mine" } });
      if (made.status === 201) keyIds[p] = (await made.json<{ id: string }>()).id;
    }
  }
  return {
    tokens: byPrincipal,
    tokenIds,
    keyIds,
    sessionId,
    workspaceId: seed.workspaceId,
    bystander: bystander.userId,
    collaborator: collaborator.userId,
    approvalId,
    agentId: seed.agentId,
    invitationId: invitation.id,
    userCodes,
    templateName,
    runId,
  };
}

/** 32 random bytes, base64url: registration stores a public half as given (machines verify with it). */
const randomPublicKey = () => toBase64Url(crypto.getRandomValues(new Uint8Array(32)));

const PIPELINE = { pipeline: { name: "matrix", steps: { a: { prompt: "p", cwd: "/tmp" } } } };

function bodyFor(key: string, f: Fixture, p: Principal): unknown {
  if (key === "POST /api/auth/device/approve") return { userCode: f.userCodes[p] };
  switch (key) {
    case "POST /api/sessions":
      return { prompt: "p", cwd: "/tmp" };
    case "PATCH /api/sessions/:id":
      return { title: "renamed" };
    case "POST /api/sessions/:id/continue":
      return { prompt: "more" };
    case "PUT /api/sessions/:id/shares":
      return { principal: "workspace", role: "viewer" };
    case "POST /api/sessions/:id/handoff":
      return { userId: f.bystander };
    case "POST /api/approvals/:id/decision":
    case "POST /api/sessions/:id/approvals/:approvalId/decision":
      return { decision: "approve", inputSha256: canonicalSha256({ command: "ls" }) };
    case "POST /api/approvals/:id/always-allow":
      return {
        inputSha256: canonicalSha256({ command: "ls" }),
        rule: { id: `always-${p.toLowerCase()}`, decision: "allow", tool: "Bash", command: "ls", scope: { directory: "/tmp" } },
      };
    case "POST /api/members":
      return { name: "New", email: `new-${crypto.randomUUID()}@test`, role: "member" };
    case "PATCH /api/members/:userId":
      return { role: "viewer" };
    case "POST /api/tokens":
      return { name: "t", scopes: ["read"] };
    case "POST /api/keys":
      return { alg: "ed25519", publicKey: randomPublicKey(), label: "matrix" };
    case "POST /api/keys/:id/revoke":
      return {};
    case "POST /api/auth/device":
      return { kind: "cli" };
    case "POST /api/auth/device/token":
      return { deviceCode: "dev_unknown_code_0000000000000000" };
    case "POST /api/invitations":
      return { role: "member" };
    case "POST /api/invitations/accept":
      return { code: "inv_unknown_code_0000000000000000", name: "X", email: "x@test" };
    case "PATCH /api/agents/:id":
      return { allowedUsers: null };
    case "PUT /api/workspace/sso":
      return { issuer: "https://id.example.com", clientId: "tower", clientSecret: "s3cret" };
    case "POST /api/me/switch":
      return { workspaceId: f.workspaceId };
    case "POST /api/search/similar":
      return { prompt: "p" };
    case "POST /api/templates":
      return { name: `made-by-${p.toLowerCase()}`, recipe: { prompt: "p", cwd: "/tmp" } };
    case "POST /api/templates/import":
      return { yaml: `name: imported-by-${p.toLowerCase()}\nprompt: p\ncwd: /tmp\n` };
    case "POST /api/templates/from-session":
      return { sessionId: f.sessionId, name: `saved-by-${p.toLowerCase()}` };
    case "PUT /api/templates/:id":
      return { recipe: { prompt: `edited by ${p}`, cwd: "/tmp" } };
    case "POST /api/templates/:id/launch":
      return {};
    case "POST /api/pipelines/runs":
    case "POST /api/pipelines/validate":
      return PIPELINE;
    case "PUT /api/rules":
      return { source: `rules:\n  - decision: ask\n    tool: Bash\n    message: set by ${p}\n` };
    case "POST /api/rules/test":
      return { call: { toolName: "Bash", input: { command: "ls" }, cwd: "/tmp" } };
    case "POST /api/rules/replay":
      return { days: 1 };
    case "PUT /api/approver-groups/:name":
      return { roles: ["admin"] };
    case "PUT /api/me/push/preferences":
      return { scope: "mine", quiet: null };
    default:
      return undefined;
  }
}

function approvalOf(f: Fixture): string {
  if (!f.approvalId) throw new Error("this route names an approval, but its fixture made none");
  return f.approvalId;
}

function pathFor(path: string, f: Fixture, p: Principal): string {
  return path
    .replace(":principal", `user:${f.collaborator}`)
    .replace(":approvalId", () => approvalOf(f))
    .replace(":userId", f.bystander)
    .replace("/api/approvals/:id", () => `/api/approvals/${approvalOf(f)}`)
    .replace("/api/tokens/:id", `/api/tokens/${f.tokenIds[p] ?? "tok_00000000000000000000"}`)
    .replace("/api/keys/:id", `/api/keys/${f.keyIds[p] ?? `key_${"0".repeat(32)}`}`)
    .replace("/api/agents/:id", `/api/agents/${f.agentId}`)
    .replace("/api/invitations/:id", `/api/invitations/${f.invitationId}`)
    .replace("/api/templates/:id", `/api/templates/${f.templateName}`)
    .replace("/api/pipelines/runs/:id", `/api/pipelines/runs/${f.runId}`)
    .replace("/api/approver-groups/:name", "/api/approver-groups/matrix")
    .replace("/api/me/push/:id", "/api/me/push/psh_00000000000000000000")
    .replace(":id", f.sessionId);
}

/**
 * The owner of another workspace may do in *their* workspace what an owner may, but nothing to this
 * workspace's resources: a route that names one (a session, approval or member id) is refused.
 */
function expected(key: string, principal: Principal): boolean {
  const action = PERMISSIONS[key]!;
  // The fixture's template is the owner's: a new version of it needs its author or an admin (mayEditTemplate).
  if (key === "PUT /api/templates/:id") return principal === "owner" || principal === "admin";
  if (principal !== "otherWorkspace") return EXPECTED[action].includes(principal);
  const namesOurResource =
    (/:(id|userId|principal)/.test(key) &&
      !key.startsWith("POST /api/tokens/") &&
      !key.startsWith("DELETE /api/tokens/") &&
      !key.startsWith("DELETE /api/me/push/") &&
      !/ \/api\/keys\//.test(key)) ||
    key === "POST /api/me/switch" || // its body names this workspace
    key === "POST /api/templates/from-session"; // its body names this workspace's session
  return !namesOurResource && EXPECTED[action].includes("owner");
}

const UPGRADES = new Set(["GET /api/sessions/:id/live", "GET /api/sessions/:id/agent", "GET /api/agents/connect", "GET /api/workspace/live", "GET /api/echo"]);

/** Routes whose first allowed call removes what the next caller would need: a fresh fixture per caller. */
const DESTRUCTIVE = new Set(["DELETE /api/sessions/:id/shares/:principal", "DELETE /api/members/:userId", "DELETE /api/invitations/:id"]);
const shared = new Map<string, Promise<Fixture>>();
function fixtureFor(key: string): Promise<Fixture> {
  if (DESTRUCTIVE.has(key)) return fixture(key);
  let f = shared.get(key);
  if (!f) {
    f = fixture(key);
    shared.set(key, f);
  }
  return f;
}

const routes = [...new Set(app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path}`))];
const cases = routes.flatMap((key) => PRINCIPALS.map((p) => [key, p] as const));

/** Defines shard `shard` (0-based) of `shards`: every `shards`-th route with all its callers. */
export function defineMatrix(shard: number, shards: number): void {
  describe("security", () => {
    // The checks that need no route of their own run once, in shard 0 (defined only there: never reported as skipped).
    if (shard === 0) {
      it("has an authorization rule for every route, and every rule names a real route", () => {
        expect(routes.filter((k) => !PERMISSIONS[k])).toEqual([]);
        expect(Object.keys(PERMISSIONS).filter((k) => !routes.includes(k))).toEqual([]);
      });
    }

    it.each(cases.filter(([key]) => routes.indexOf(key) % shards === shard))("%s as %s", { timeout: 30_000 }, async (key, principal) => {
      const [method, path] = key.split(" ") as [string, string];
      const f = await fixtureFor(key);
      const allowed = expected(key, principal);
      const token = f.tokens[principal];
      const body = bodyFor(key, f, principal);
      const res = await api(pathFor(path, f, principal), token, {
        method,
        ...(UPGRADES.has(key) ? { headers: { upgrade: "websocket" } } : {}),
        ...(body !== undefined ? { json: body } : {}),
      });
      if (PERMISSIONS[key] === "public") {
        // No token needed: an unknown code is a 404 for everyone, never a 401 or 403.
        expect([401, 403], `${key} needs no token`).not.toContain(res.status);
      } else if (allowed) {
        expect([401, 403, 404], `${key} should be allowed for ${principal}, got ${res.status}`).not.toContain(res.status);
        expect(res.status).toBeLessThan(500);
      } else {
        expect([401, 403, 404], `${key} should be refused for ${principal}`).toContain(res.status);
        if (principal === "anonymous" || principal === "revoked") expect(res.status).toBe(401);
      }
      if (principal === "otherWorkspace" && res.status < 300 && !UPGRADES.has(key)) {
        const text = await res.text();
        expect(text).not.toContain(f.sessionId);
        expect(text).not.toContain(f.workspaceId);
      }
      res.webSocket?.accept();
      res.webSocket?.close();
    });
  });

  if (shard !== 0) return;
  describe("security: socket frames", () => {
    // Each case builds the whole fixture (two workspaces, eight members, their tokens): the same 30 s as the matrix above.
    it.each(["owner", "admin", "collaborator", "sessionViewer"] as const)(
      "lets %s send a decision only if they may act",
      { timeout: 30_000 },
      async (principal) => {
        const f = await fixture("GET /api/sessions/:id/live");
        const sock = await openSocket(`/api/sessions/${f.sessionId}/live`, f.tokens[principal]!);
        await sock.next((x) => x.type === "snapshot");
        sock.send({ type: "decide", ref: "d", approvalId: "apr_00000000000000000000", body: { decision: "approve", inputSha256: "0".repeat(64) } });
        const answer = await sock.next((x) => x.type === "error");
        const mayAct = EXPECTED["session.act"].includes(principal);
        expect((answer.error as { code: string }).code).toBe(mayAct ? "NOT_FOUND" : "FORBIDDEN");
        sock.send({ type: "interrupt", ref: "i" });
        const next = await sock.next((x) => x.ref === "i");
        expect(next.type).toBe(mayAct ? "ack" : "error");
        sock.close();
      },
    );
  });
}
