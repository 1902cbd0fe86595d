/**
 * The typed Tower client shared by the CLI, the agent's tooling and the web app. Every response is
 * validated with the protocol's zod schemas, errors come back as the same `ApiError` the server
 * threw, and live connections reconnect on their own (partysocket), resuming from the last seq.
 */
import ReconnectingWebSocket from "partysocket/ws";
import { z } from "zod";
import { Approval, type ApprovalListQuery, type DecisionBody } from "./protocol/approval";
import {
  AcceptedInvitation,
  DeviceStart,
  DeviceTokenResult,
  Invitation,
  IssuedInvitation,
  type PatchAgentBody,
  type AcceptInvitationBody,
  type CreateInvitationBody,
  type DeviceStartBody,
} from "./protocol/enrollment";
import { ApiError, ErrorEnvelope } from "./protocol/errors";
import { AuditEntry, AuditVerification, IssuedToken, Me, Member, TokenInfo, type AuditQuery, type CreateTokenBody, type WorkspaceRole } from "./protocol/members";
import { EventPage } from "./protocol/events";
import { SignedOut, SignInProviders, SsoConfig, type PutSsoBody } from "./protocol/sign-in";
import { BackfillResponse, IndexStats, SearchResponse, SimilarResponse, type SearchMode } from "./protocol/search";
import { ACCESS_REVOKED_CLOSE, AgentPresence, HubFrame, ServerFrame, TOKEN_REVOKED_CLOSE, type ClientFrame } from "./protocol/frames";
import {
  SessionPage,
  SessionSummary,
  Share,
  type ShareBody,
  type ContinueSessionBody,
  type CreateSessionBody,
  type PatchSessionBody,
  type SessionListQuery,
} from "./protocol/session";

import {
  ExportedTemplate,
  ImportedTemplate,
  Template,
  TemplateList,
  TemplateVersionList,
  type CreateTemplateBody,
  type LaunchTemplateBody,
  type SaveSessionAsTemplateBody,
  type UpdateTemplateBody,
} from "./protocol/templates";
import { RunList, RunView, ValidatedPipeline, type RunStatus, type StartRunBody } from "./protocol/pipelines";

export { ApiError };


export interface ClientOptions {
  baseUrl: string;
  /**
   * A bearer token (CLI, agent). A browser omits it: fetch's default `credentials: "same-origin"`
   * then sends the HttpOnly session cookie, which page scripts never see.
   */
  token?: string;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

function toSearch(q: Query | undefined): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    p.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** Creates a client for one server and token. */
export function createApiClient(opts: ClientOptions) {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;

  async function call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}${toSearch(query)}`, {
        method,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new ApiError("INTERNAL", `Cannot reach Tower at ${base}: ${(e as Error).message}. Is it running (npm start)?`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError("INTERNAL", `Tower answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const env = ErrorEnvelope.safeParse(json);
      if (env.success) throw new ApiError(env.data.error.code, env.data.error.message, env.data.error.issues);
      throw new ApiError("INTERNAL", `Tower answered ${res.status}: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError("INTERNAL", `Unexpected response from ${path}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  return {
    baseUrl: base,
    token: opts.token ?? "",
    health: () => call(z.object({ ok: z.literal(true), workspaceId: z.string(), subject: z.string() }), "GET", "/api/health"),
    createSession: (body: CreateSessionBody) => call(SessionSummary, "POST", "/api/sessions", body),
    listSessions: (q: Partial<Omit<SessionListQuery, "status">> & { status?: string[] } = {}) =>
      call(SessionPage, "GET", "/api/sessions", undefined, q as Query),
    getSession: (id: string) => call(SessionSummary, "GET", `/api/sessions/${encodeURIComponent(id)}`),
    events: (id: string, after = 0, limit = 500) =>
      call(EventPage, "GET", `/api/sessions/${encodeURIComponent(id)}/events`, undefined, { after, limit }),
    patchSession: (id: string, body: PatchSessionBody) => call(SessionSummary, "PATCH", `/api/sessions/${encodeURIComponent(id)}`, body),
    interrupt: (id: string) => call(SessionSummary, "POST", `/api/sessions/${encodeURIComponent(id)}/interrupt`),
    continueSession: (id: string, body: Partial<ContinueSessionBody> & { prompt: string }) =>
      call(SessionSummary, "POST", `/api/sessions/${encodeURIComponent(id)}/continue`, body),
    listApprovals: (q: Partial<ApprovalListQuery> = {}) =>
      call(z.object({ approvals: z.array(Approval) }), "GET", "/api/approvals", undefined, q as Query),
    approval: (approvalId: string) => call(Approval, "GET", `/api/approvals/${encodeURIComponent(approvalId)}`),
    /**
     * The body names the `inputSha256` of the approval the person saw (echo it from the approval).
     * Pass the session when you know it (e.g. from its socket): that route does not wait for the inbox. */
    decide: (approvalId: string, body: DecisionBody, sessionId?: string) =>
      call(
        Approval,
        "POST",
        sessionId
          ? `/api/sessions/${encodeURIComponent(sessionId)}/approvals/${encodeURIComponent(approvalId)}/decision`
          : `/api/approvals/${encodeURIComponent(approvalId)}/decision`,
        body,
      ),
    listAgents: () => call(z.object({ agents: z.array(AgentPresence) }), "GET", "/api/agents"),
    me: () => call(Me, "GET", "/api/me"),
    switchWorkspace: (workspaceId: string) => call(IssuedToken, "POST", "/api/me/switch", { workspaceId }),
    listAudit: (q: Partial<AuditQuery> = {}) => call(z.object({ entries: z.array(AuditEntry) }), "GET", "/api/audit", undefined, q as Query),
    verifyAudit: () => call(AuditVerification, "GET", "/api/audit/verify"),
    // Team administration: members, invitations, tokens, session sharing and machine policy.
    listMembers: () => call(z.object({ members: z.array(Member) }), "GET", "/api/members"),
    setMemberRole: (userId: string, role: WorkspaceRole) => call(Member, "PATCH", `/api/members/${encodeURIComponent(userId)}`, { role }),
    removeMember: (userId: string) => call(z.object({ removed: z.literal(true) }), "DELETE", `/api/members/${encodeURIComponent(userId)}`),
    listInvitations: () => call(z.object({ invitations: z.array(Invitation) }), "GET", "/api/invitations"),
    revokeInvitation: (id: string) => call(Invitation, "DELETE", `/api/invitations/${encodeURIComponent(id)}`),
    listTokens: (all = false) => call(z.object({ tokens: z.array(TokenInfo) }), "GET", "/api/tokens", undefined, { all }),
    createToken: (body: Partial<CreateTokenBody> & { name: string }) => call(IssuedToken, "POST", "/api/tokens", body),
    rotateToken: (id: string) => call(IssuedToken, "POST", `/api/tokens/${encodeURIComponent(id)}/rotate`),
    revokeToken: (id: string) => call(TokenInfo, "DELETE", `/api/tokens/${encodeURIComponent(id)}`),
    listShares: (sessionId: string) =>
      call(z.object({ ownerId: z.string(), shares: z.array(Share) }), "GET", `/api/sessions/${encodeURIComponent(sessionId)}/shares`),
    share: (sessionId: string, body: ShareBody) => call(Share, "PUT", `/api/sessions/${encodeURIComponent(sessionId)}/shares`, body),
    unshare: (sessionId: string, principal: string) =>
      call(z.object({ removed: z.literal(true) }), "DELETE", `/api/sessions/${encodeURIComponent(sessionId)}/shares/${encodeURIComponent(principal)}`),
    handoff: (sessionId: string, userId: string) => call(SessionSummary, "POST", `/api/sessions/${encodeURIComponent(sessionId)}/handoff`, { userId }),
    setMachinePolicy: (agentId: string, body: PatchAgentBody) => call(AgentPresence, "PATCH", `/api/agents/${encodeURIComponent(agentId)}`, body),
    // Sign-in: the device flow's first two, acceptInvitation, the browser session and providers need no token.
    /** Exchanges a personal token for a browser session cookie (what `/signin#token=…` does); answers like `me()`. */
    signInWithToken: (token: string) => call(Me, "POST", "/api/auth/session", { token }),
    /** Ends the browser's session (if any) and clears its cookie. */
    signOut: () => call(SignedOut, "DELETE", "/api/auth/session"),
    /** The sign-in methods to offer: token, GitHub, and the SSO of the workspace named (from its sign-in link). */
    signInProviders: (workspace?: string) => call(SignInProviders, "GET", "/api/auth/providers", undefined, { workspace }),
    // The workspace's OpenID Connect provider (owners and admins); the client secret is write-only.
    getSso: () => call(SsoConfig, "GET", "/api/workspace/sso"),
    putSso: (body: PutSsoInput) => call(SsoConfig, "PUT", "/api/workspace/sso", body),
    deleteSso: () => call(z.object({ removed: z.boolean() }), "DELETE", "/api/workspace/sso"),
    startDeviceSignIn: (body: DeviceStartBody) => call(DeviceStart, "POST", "/api/auth/device", body),
    pollDeviceSignIn: (deviceCode: string) => call(DeviceTokenResult, "POST", "/api/auth/device/token", { deviceCode }),
    decideDeviceSignIn: (userCode: string, decision: "approve" | "deny") =>
      call(z.object({ status: z.enum(["approved", "denied"]), kind: z.enum(["cli", "agent"]), machineName: z.string().nullable() }), "POST", "/api/auth/device/approve", { userCode, decision }),
    createInvitation: (body: Partial<CreateInvitationBody>) => call(IssuedInvitation, "POST", "/api/invitations", body),
    acceptInvitation: (body: AcceptInvitationBody) => call(AcceptedInvitation, "POST", "/api/invitations/accept", body),
    /** Searches past sessions; filters as in GET /api/search (dates as YYYY-MM-DD or epoch ms). */
    search: (q: string, opts: SearchOptions = {}) => call(SearchResponse, "GET", "/api/search", undefined, { q, ...opts } as Query),
    /** "Solved before": past sessions most like a prompt being typed. */
    similarToPrompt: (prompt: string, limit?: number) => call(SimilarResponse, "POST", "/api/search/similar", { prompt, ...(limit ? { limit } : {}) }),
    similarSessions: (id: string, limit?: number) => call(SimilarResponse, "GET", `/api/sessions/${encodeURIComponent(id)}/similar`, undefined, { limit }),
    backfillSearch: () => call(BackfillResponse, "POST", "/api/search/backfill"),
    searchStats: () => call(IndexStats, "GET", "/api/search/stats"),
    ...templatesAndPipelines(call),
  };
}

// ---- Templates and pipelines (worker/routes/templates.ts, worker/routes/pipelines.ts) --------------
/**
 * The server's own parameter rules, for a launch form that validates as you type: `resolveParams(t.recipe.params,
 * values)` gives the coerced values or issues naming each field; `placeholders(text)` lists `{{names}}`.
 */
export { placeholders, resolveParams } from "./domain/template-params";
type Call = <T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown, query?: Query) => Promise<T>;
const enc = encodeURIComponent;

/** Typed methods for /api/templates and /api/pipelines; `ref` is a template's id or name. */
function templatesAndPipelines(call: Call) {
  return {
    listTemplates: () => call(TemplateList, "GET", "/api/templates"),
    getTemplate: (ref: string, version?: number) => call(Template, "GET", `/api/templates/${enc(ref)}`, undefined, { version }),
    templateVersions: (ref: string) => call(TemplateVersionList, "GET", `/api/templates/${enc(ref)}/versions`),
    createTemplate: (body: CreateTemplateBody) => call(Template, "POST", "/api/templates", body),
    /** Every edit makes a new immutable version. */
    updateTemplate: (ref: string, body: UpdateTemplateBody) => call(Template, "PUT", `/api/templates/${enc(ref)}`, body),
    importTemplate: (yaml: string) => call(ImportedTemplate, "POST", "/api/templates/import", { yaml }),
    exportTemplate: (ref: string, version?: number) => call(ExportedTemplate, "GET", `/api/templates/${enc(ref)}/export`, undefined, { version }),
    saveSessionAsTemplate: (body: SaveSessionAsTemplateBody) => call(Template, "POST", "/api/templates/from-session", body),
    launchTemplate: (ref: string, body: LaunchTemplateBody = {}) => call(SessionSummary, "POST", `/api/templates/${enc(ref)}/launch`, body),
    /** Checks a definition (YAML text or JSON) without starting anything; a 400 lists what to fix, with line and column. */
    validatePipeline: (body: StartRunBody) => call(ValidatedPipeline, "POST", "/api/pipelines/validate", body),
    startPipelineRun: (body: StartRunBody) => call(RunView, "POST", "/api/pipelines/runs", body),
    listPipelineRuns: (q: { status?: RunStatus; limit?: number } = {}) => call(RunList, "GET", "/api/pipelines/runs", undefined, q),
    getPipelineRun: (id: string) => call(RunView, "GET", `/api/pipelines/runs/${enc(id)}`),
    /** Cancels the run and interrupts its running sessions. */
    cancelPipelineRun: (id: string) => call(RunView, "POST", `/api/pipelines/runs/${enc(id)}/cancel`),
    /** Re-runs only the steps that failed, were cancelled or were skipped; succeeded steps keep their outputs. */
    retryPipelineRun: (id: string) => call(RunView, "POST", `/api/pipelines/runs/${enc(id)}/retry`),
  };
}
// ---- end of templates and pipelines -----------------------------------------------------------------

export type ApiClient = ReturnType<typeof createApiClient>;

export interface SearchOptions {
  mode?: SearchMode;
  limit?: number;
  agent?: string;
  cwd?: string;
  status?: string[];
  from?: string;
  to?: string;
  tool?: string;
  author?: string;
  kind?: string[];
}
/** What a caller of `putSso` passes: defaults (no domains, role member) may be left out. */
export type PutSsoInput = Omit<PutSsoBody, "allowedDomains" | "newUserRole"> & Partial<Pick<PutSsoBody, "allowedDomains" | "newUserRole">>;

export interface LiveOptions<F> {
  baseUrl: string;
  /**
   * A WebSocket class. Node passes one from `ws` that sends `authorization: Bearer` (agent/cli/live.ts);
   * a browser passes none, and its same-origin upgrade carries the session cookie. IMPORTANT: a token
   * never goes in the socket's URL, which reaches access logs.
   */
  WebSocket?: unknown;
  onFrame(frame: F): void;
  onStatus?(status: "live" | "reconnecting" | "offline"): void;
}

export interface Live {
  send(frame: ClientFrame): void;
  /** Drops the connection and dials again (it resumes from the last event seen). */
  reconnect(): void;
  close(): void;
}

/** The socket URL for `path`: ws(s) on the same host, with only the given (non-secret) parameters. */
export function liveUrl(baseUrl: string, path: string, params: Record<string, string> = {}): string {
  const u = new URL(path, baseUrl.replace(/^http/, "ws"));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function open<F>(schema: z.ZodType<F>, opts: LiveOptions<F>, url: () => string): Live {
  const ws = new ReconnectingWebSocket(url, [], {
    WebSocket: opts.WebSocket,
    minReconnectionDelay: 200,
    maxReconnectionDelay: 5000,
  });
  ws.addEventListener("open", () => opts.onStatus?.("live"));
  ws.addEventListener("close", (e: CloseEvent) => {
    // 4001: the token was revoked or expired; 4003: the caller may no longer see this. Dialling again
    // would only be refused, so stop here.
    const final = e.code === TOKEN_REVOKED_CLOSE || e.code === ACCESS_REVOKED_CLOSE;
    if (final) ws.close(1000, "access ended");
    opts.onStatus?.(ws.shouldReconnect && !final ? "reconnecting" : "offline");
  });
  ws.addEventListener("message", (e: MessageEvent) => {
    let json: unknown;
    try {
      json = JSON.parse(String(e.data));
    } catch {
      return;
    }
    // Unknown frame types are ignored so that a newer server never breaks this client.
    const r = schema.safeParse(json);
    if (r.success) opts.onFrame(r.data);
  });
  return { send: (f) => ws.send(JSON.stringify(f)), reconnect: () => ws.reconnect(), close: () => ws.close(1000, "bye") };
}

/**
 * Follows one session live: a snapshot, then every event once and in order, across reconnects
 * (each reconnect asks only for events after the last one seen).
 */
export function connectSession(opts: LiveOptions<ServerFrame> & { sessionId: string; after?: number }): Live {
  let lastSeq = opts.after ?? 0;
  const onFrame = (f: ServerFrame) => {
    if (f.type === "events") {
      const fresh = f.events.filter((e) => e.seq > lastSeq);
      if (fresh.length === 0) return;
      lastSeq = fresh.at(-1)!.seq;
      opts.onFrame({ ...f, events: fresh });
      return;
    }
    opts.onFrame(f);
  };
  return open(ServerFrame, { ...opts, onFrame }, () => liveUrl(opts.baseUrl, `/api/sessions/${opts.sessionId}/live`, { after: String(lastSeq) }));
}

/** Follows the workspace: session list deltas, the approvals inbox and agent presence. */
export function connectWorkspace(opts: LiveOptions<HubFrame>): Live {
  return open(HubFrame, opts, () => liveUrl(opts.baseUrl, "/api/workspace/live"));
}
