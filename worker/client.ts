/**
 * The typed Tower client shared by the CLI, the agent's tooling and the web app. Every response is
 * validated with the protocol's zod schemas, errors come back as the same `ApiError` the server
 * threw, and live connections reconnect on their own (partysocket), resuming from the last seq.
 */
import { z } from "zod";
import type { ApprovalListQuery, DecisionBody } from "./protocol/approval";
import type { PatchAgentBody, AcceptInvitationBody, CreateInvitationBody, DeviceStartBody } from "./protocol/enrollment";
import { ApiError, ErrorEnvelope } from "./protocol/errors";
import type { ReplayBody, TestRulesBody } from "./protocol/rules";
import type { AlwaysAllowBody } from "./protocol/rule-proposal";
import type { AuditQuery, CreateTokenBody, WorkspaceRole } from "./protocol/members";
import type { PutSsoBody } from "./protocol/sign-in";
import type { SearchMode } from "./protocol/search";
import type { ShareBody, ContinueSessionBody, CreateSessionBody, PatchSessionBody, SessionListQuery } from "./protocol/session";
import type { CreateTemplateBody, LaunchTemplateBody, SaveSessionAsTemplateBody, UpdateTemplateBody } from "./protocol/templates";
import type { RunStatus, StartRunBody } from "./protocol/pipelines";
import type { PushPreferences, PushSubscribeBody } from "./protocol/push";
import type { EnrolKeyBody, RegisterKeyBody, RegisterPasskeyBody, RevokeKeyBody } from "./protocol/device-keys";
import type { rpcShape } from "./rpc-types.gen";
import { rpcProxy, type Answer, type Fetcher } from "./client-rpc";

export { ApiError };

/** The route table's typed client (worker/rpc-types.gen.d.ts, generated from `AppType`). */
type Rpc = typeof rpcShape;
export type { Answer, Fetcher };

/**
 * A response's schema, picked from its protocol module when the call is made. Each module is imported then
 * (once), not with the client: building every endpoint's schemas on import cost each `tower` command
 * 60-90 ms of CPU before its one request left; a command now builds only the schemas it reads.
 */
type Schema<T> = () => Promise<z.ZodType<T>>;
/** `schemas.session("SessionPage")`, or `schemas.session((m) => z.object({ … m.Share … }))` for a list around one. */
function from<M>(load: () => Promise<M>) {
  function pick<K extends keyof M>(name: K): () => Promise<M[K]>;
  function pick<T>(build: (m: M) => z.ZodType<T>): Schema<T>;
  function pick(key: keyof M | ((m: M) => unknown)) {
    return () => load().then((m) => (typeof key === "function" ? key(m) : m[key]));
  }
  return pick;
}
const schemas = {
  approval: from(() => import("./protocol/approval")),
  deviceKeys: from(() => import("./protocol/device-keys")),
  enrollment: from(() => import("./protocol/enrollment")),
  events: from(() => import("./protocol/events")),
  frames: from(() => import("./protocol/frames")),
  members: from(() => import("./protocol/members")),
  pipelines: from(() => import("./protocol/pipelines")),
  push: from(() => import("./protocol/push")),
  ruleProposal: from(() => import("./protocol/rule-proposal")),
  rules: from(() => import("./protocol/rules")),
  search: from(() => import("./protocol/search")),
  session: from(() => import("./protocol/session")),
  signIn: from(() => import("./protocol/sign-in")),
  templates: from(() => import("./protocol/templates")),
};

export interface ClientOptions {
  baseUrl: string;
  /**
   * A bearer token (CLI, agent). A browser omits it: fetch's default `credentials: "same-origin"`
   * then sends the HttpOnly session cookie, which page scripts never see.
   */
  token?: string;
  fetch?: Fetcher;
}

/** A query value on the wire: text as typed (literal unions kept), numbers, booleans and lists as text. */
type Wire<V> = V extends undefined ? undefined : V extends string ? V : string;
/** Query values as the server reads them: lists comma-joined, everything else as text. */
function q<T extends Record<string, string | number | boolean | readonly string[] | undefined>>(query: T): { [K in keyof T]: Wire<T[K]> } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(",") : String(v);
  return out as { [K in keyof T]: Wire<T[K]> };
}
const enc = encodeURIComponent;

/** Creates a client for one server and token; every path, parameter and body is typed by the route table. */
export function createApiClient(opts: ClientOptions) {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch: Fetcher = opts.fetch ?? fetch;
  const reach: Fetcher = async (input, init) => {
    try {
      return await doFetch(input, init);
    } catch (e) {
      throw new ApiError("INTERNAL", `Cannot reach Tower at ${base}: ${(e as Error).message}. Is it running (npm start)?`);
    }
  };
  const rpc = rpcProxy(base, reach, opts.token ? { authorization: `Bearer ${opts.token}` } : {}) as Rpc;
  const { api } = rpc;

  async function call<T>(schema: z.ZodType<T> | Schema<T>, sent: Promise<Answer>): Promise<T> {
    // The request is on its way before the schema's module loads, so the two overlap.
    const [res, parser] = await Promise.all([sent, typeof schema === "function" ? schema() : schema]);
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
    const parsed = parser.safeParse(json);
    if (!parsed.success) throw new ApiError("INTERNAL", `Unexpected response from ${new URL(res.url || base).pathname}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  const session = (id: string) => ({ param: { id: enc(id) } });
  return {
    baseUrl: base,
    token: opts.token ?? "",
    health: () => call(z.object({ ok: z.literal(true), workspaceId: z.string(), subject: z.string() }), api.health.$get()),
    /** With an `idempotencyKey`, a retry of the same launch returns the session the first attempt made. */
    createSession: (body: CreateSessionBody, idempotencyKey?: string) =>
      call(schemas.session("SessionSummary"), api.sessions.$post({ json: body, header: idempotencyKey ? { "idempotency-key": idempotencyKey } : {} })),
    listSessions: (query: Partial<Omit<SessionListQuery, "status">> & { status?: string[] } = {}) =>
      call(schemas.session("SessionPage"), api.sessions.$get({ query: q(query) })),
    getSession: (id: string) => call(schemas.session("SessionSummary"), api.sessions[":id"].$get(session(id))),
    events: (id: string, after = 0, limit = 500) =>
      call(schemas.events("EventPage"), api.sessions[":id"].events.$get({ ...session(id), query: q({ after, limit }) })),
    patchSession: (id: string, body: PatchSessionBody) => call(schemas.session("SessionSummary"), api.sessions[":id"].$patch({ ...session(id), json: body })),
    interrupt: (id: string) => call(schemas.session("SessionSummary"), api.sessions[":id"].interrupt.$post(session(id))),
    continueSession: (id: string, body: Partial<ContinueSessionBody> & { prompt: string }) =>
      call(schemas.session("SessionSummary"), api.sessions[":id"].continue.$post({ ...session(id), json: body })),
    listApprovals: (query: Partial<ApprovalListQuery> = {}) =>
      call(
        schemas.approval((m) => z.object({ approvals: z.array(m.Approval) })),
        api.approvals.$get({ query: q(query) }),
      ),
    approval: (approvalId: string) => call(schemas.approval("Approval"), api.approvals[":id"].$get({ param: { id: enc(approvalId) } })),
    /**
     * The body names the `inputSha256` of the approval the person saw (echo it from the approval).
     * Pass the session when you know it (e.g. from its socket): that route does not wait for the inbox. */
    decide: (approvalId: string, body: DecisionBody, sessionId?: string) =>
      call(
        schemas.approval("Approval"),
        sessionId
          ? api.sessions[":id"].approvals[":approvalId"].decision.$post({ param: { id: enc(sessionId), approvalId: enc(approvalId) }, json: body })
          : api.approvals[":id"].decision.$post({ param: { id: enc(approvalId) }, json: body }),
      ),
    /** "Always allow this", confirmed: adds the proposed rule (a new rule-set version), then approves the call. */
    alwaysAllow: (approvalId: string, body: AlwaysAllowBody) =>
      call(schemas.ruleProposal("AlwaysAllowResult"), api.approvals[":id"]["always-allow"].$post({ param: { id: enc(approvalId) }, json: body })),
    listAgents: () =>
      call(
        schemas.frames((m) => z.object({ agents: z.array(m.AgentPresence) })),
        api.agents.$get(),
      ),
    me: () => call(schemas.members("Me"), api.me.$get()),
    switchWorkspace: (workspaceId: string) => call(schemas.members("IssuedToken"), api.me.switch.$post({ json: { workspaceId } })),
    listAudit: (query: Partial<AuditQuery> = {}) =>
      call(
        schemas.members((m) => z.object({ entries: z.array(m.AuditEntry) })),
        api.audit.$get({ query: q(query) }),
      ),
    verifyAudit: () => call(schemas.members("AuditVerification"), api.audit.verify.$get()),
    // Team administration: members, invitations, tokens, session sharing and machine policy.
    listMembers: () =>
      call(
        schemas.members((m) => z.object({ members: z.array(m.Member) })),
        api.members.$get(),
      ),
    setMemberRole: (userId: string, role: WorkspaceRole) =>
      call(schemas.members("Member"), api.members[":userId"].$patch({ param: { userId: enc(userId) }, json: { role } })),
    removeMember: (userId: string) => call(z.object({ removed: z.literal(true) }), api.members[":userId"].$delete({ param: { userId: enc(userId) } })),
    listInvitations: () =>
      call(
        schemas.enrollment((m) => z.object({ invitations: z.array(m.Invitation) })),
        api.invitations.$get(),
      ),
    revokeInvitation: (id: string) => call(schemas.enrollment("Invitation"), api.invitations[":id"].$delete({ param: { id: enc(id) } })),
    listTokens: (all = false) =>
      call(
        schemas.members((m) => z.object({ tokens: z.array(m.TokenInfo) })),
        api.tokens.$get({ query: { all: all ? "true" : "false" } }),
      ),
    createToken: (body: Partial<CreateTokenBody> & { name: string }) => call(schemas.members("IssuedToken"), api.tokens.$post({ json: body })),
    rotateToken: (id: string) => call(schemas.members("IssuedToken"), api.tokens[":id"].rotate.$post({ param: { id: enc(id) } })),
    revokeToken: (id: string) => call(schemas.members("TokenInfo"), api.tokens[":id"].$delete({ param: { id: enc(id) } })),
    listShares: (sessionId: string) =>
      call(
        schemas.session((m) => z.object({ ownerId: z.string(), shares: z.array(m.Share) })),
        api.sessions[":id"].shares.$get(session(sessionId)),
      ),
    share: (sessionId: string, body: ShareBody) => call(schemas.session("Share"), api.sessions[":id"].shares.$put({ ...session(sessionId), json: body })),
    // Device keys for signed decisions (public halves; the signed enrolments and revocations machines check).
    listKeys: (all = false) =>
      call(
        schemas.deviceKeys((m) => z.object({ keys: z.array(m.DeviceKeyInfo) })),
        api.keys.$get({ query: { all: all ? "true" : "false" } }),
      ),
    registerKey: (body: RegisterKeyBody) => call(schemas.deviceKeys("DeviceKeyInfo"), api.keys.$post({ json: body })),
    passkeyOptions: () =>
      call(
        schemas.deviceKeys((m) => z.object({ options: m.PasskeyOptions })),
        api.passkeys.options.$post(),
      ),
    registerPasskey: (body: RegisterPasskeyBody) => call(schemas.deviceKeys("DeviceKeyInfo"), api.passkeys.$post({ json: body })),
    enrolKey: (id: string, body: EnrolKeyBody) =>
      call(schemas.deviceKeys("DeviceKeyInfo"), api.keys[":id"].enrolment.$put({ param: { id: enc(id) }, json: body })),
    revokeKey: (id: string, body: RevokeKeyBody = {}) =>
      call(schemas.deviceKeys("DeviceKeyInfo"), api.keys[":id"].revoke.$post({ param: { id: enc(id) }, json: body })),
    unshare: (sessionId: string, principal: string) =>
      call(
        z.object({ removed: z.literal(true) }),
        api.sessions[":id"].shares[":principal"].$delete({ param: { id: enc(sessionId), principal: enc(principal) } }),
      ),
    handoff: (sessionId: string, userId: string) =>
      call(schemas.session("SessionSummary"), api.sessions[":id"].handoff.$post({ ...session(sessionId), json: { userId } })),
    setMachinePolicy: (agentId: string, body: PatchAgentBody) =>
      call(schemas.frames("AgentPresence"), api.agents[":id"].$patch({ param: { id: enc(agentId) }, json: body })),
    // Sign-in: the device flow's first two, acceptInvitation, the browser session and providers need no token.
    /** Exchanges a personal token for a browser session cookie (what `/signin#token=…` does); answers like `me()`. */
    signInWithToken: (token: string) => call(schemas.members("Me"), api.auth.session.$post({ json: { token } })),
    /** Ends the browser's session (if any) and clears its cookie. */
    signOut: () => call(schemas.signIn("SignedOut"), api.auth.session.$delete()),
    /** The sign-in methods to offer: token, GitHub, and the SSO of the workspace named (from its sign-in link). */
    signInProviders: (workspace?: string) => call(schemas.signIn("SignInProviders"), api.auth.providers.$get({ query: q({ workspace }) })),
    // The workspace's OpenID Connect provider (owners and admins); the client secret is write-only.
    getSso: () => call(schemas.signIn("SsoConfig"), api.workspace.sso.$get()),
    putSso: (body: PutSsoInput) => call(schemas.signIn("SsoConfig"), api.workspace.sso.$put({ json: body })),
    deleteSso: () => call(z.object({ removed: z.boolean() }), api.workspace.sso.$delete()),
    startDeviceSignIn: (body: DeviceStartBody) => call(schemas.enrollment("DeviceStart"), api.auth.device.$post({ json: body })),
    pollDeviceSignIn: (deviceCode: string) => call(schemas.enrollment("DeviceTokenResult"), api.auth.device.token.$post({ json: { deviceCode } })),
    decideDeviceSignIn: (userCode: string, decision: "approve" | "deny") =>
      call(
        z.object({ status: z.enum(["approved", "denied"]), kind: z.enum(["cli", "agent"]), machineName: z.string().nullable() }),
        api.auth.device.approve.$post({ json: { userCode, decision } }),
      ),
    createInvitation: (body: Partial<CreateInvitationBody>) => call(schemas.enrollment("IssuedInvitation"), api.invitations.$post({ json: body })),
    acceptInvitation: (body: AcceptInvitationBody) => call(schemas.enrollment("AcceptedInvitation"), api.invitations.accept.$post({ json: body })),
    /** Searches past sessions; filters as in GET /api/search (dates as YYYY-MM-DD or epoch ms). */
    search: (text: string, opts: SearchOptions = {}) => call(schemas.search("SearchResponse"), api.search.$get({ query: q({ q: text, ...opts }) })),
    /** "Solved before": past sessions most like a prompt being typed. */
    similarToPrompt: (prompt: string, limit?: number) =>
      call(schemas.search("SimilarResponse"), api.search.similar.$post({ json: { prompt, ...(limit ? { limit } : {}) } })),
    similarSessions: (id: string, limit?: number) =>
      call(schemas.search("SimilarResponse"), api.sessions[":id"].similar.$get({ ...session(id), query: q({ limit }) })),
    backfillSearch: () => call(schemas.search("BackfillResponse"), api.search.backfill.$post()),
    searchStats: () => call(schemas.search("IndexStats"), api.search.stats.$get()),
    ...templatesAndPipelines(call, api),
    ...rules(call, api),
    ...push(call, api),
  };
}

/** Typed methods for /api/me/push (worker/routes/push.ts): this person's push devices and preferences. */
function push(call: Call, api: Rpc["api"]) {
  return {
    pushKey: () => call(schemas.push("PushKey"), api.me.push.key.$get()),
    pushDevices: () => call(schemas.push("PushDevices"), api.me.push.$get()),
    subscribePush: (body: z.input<typeof PushSubscribeBody>) => call(schemas.push("PushDevice"), api.me.push.$post({ json: body })),
    removePushDevice: (id: string) => call(z.object({ deleted: z.boolean() }), api.me.push[":id"].$delete({ param: { id } })),
    putPushPreferences: (body: PushPreferences) => call(schemas.push("PushPreferences"), api.me.push.preferences.$put({ json: body })),
  };
}

/** Typed methods for /api/rules (worker/routes/rules.ts): the workspace's approval rules as code. */
function rules(call: Call, api: Rpc["api"]) {
  return {
    getRules: () => call(schemas.rules("RuleSetVersion"), api.rules.$get()),
    rulesHistory: (limit?: number) => call(schemas.rules("RuleHistory"), api.rules.history.$get({ query: q({ limit }) })),
    /** A new version from YAML or JSON text; a 400 names the line and column of each error. */
    putRules: (source: string, baseVersion?: number) =>
      call(schemas.rules("RuleSetVersion"), api.rules.$put({ json: { source, ...(baseVersion !== undefined ? { baseVersion } : {}) } })),
    testRules: (body: z.input<typeof TestRulesBody>) => call(schemas.rules("RuleVerdict"), api.rules.test.$post({ json: body })),
    replayRules: (body: z.input<typeof ReplayBody>) => call(schemas.rules("ReplayResult"), api.rules.replay.$post({ json: body })),
  };
}

// ---- Templates and pipelines (worker/routes/templates.ts, worker/routes/pipelines.ts) --------------
/**
 * The server's own parameter rules, for a launch form that validates as you type: `resolveParams(t.recipe.params,
 * values)` gives the coerced values or issues naming each field; `placeholders(text)` lists `{{names}}`.
 */
export { placeholders, resolveParams } from "./domain/template-params";
type Call = <T>(schema: z.ZodType<T> | Schema<T>, sent: Promise<Answer>) => Promise<T>;

/** Typed methods for /api/templates and /api/pipelines; `ref` is a template's id or name. */
function templatesAndPipelines(call: Call, api: Rpc["api"]) {
  const template = (ref: string) => ({ param: { id: enc(ref) } });
  const run = (id: string) => ({ param: { id: enc(id) } });
  return {
    listTemplates: () => call(schemas.templates("TemplateList"), api.templates.$get()),
    getTemplate: (ref: string, version?: number) => call(schemas.templates("Template"), api.templates[":id"].$get({ ...template(ref), query: q({ version }) })),
    templateVersions: (ref: string) => call(schemas.templates("TemplateVersionList"), api.templates[":id"].versions.$get(template(ref))),
    createTemplate: (body: CreateTemplateBody) => call(schemas.templates("Template"), api.templates.$post({ json: body })),
    /** Every edit makes a new immutable version. */
    updateTemplate: (ref: string, body: UpdateTemplateBody) => call(schemas.templates("Template"), api.templates[":id"].$put({ ...template(ref), json: body })),
    importTemplate: (yaml: string) => call(schemas.templates("ImportedTemplate"), api.templates.import.$post({ json: { yaml } })),
    exportTemplate: (ref: string, version?: number) =>
      call(schemas.templates("ExportedTemplate"), api.templates[":id"].export.$get({ ...template(ref), query: q({ version }) })),
    saveSessionAsTemplate: (body: SaveSessionAsTemplateBody) => call(schemas.templates("Template"), api.templates["from-session"].$post({ json: body })),
    launchTemplate: (ref: string, body: LaunchTemplateBody = {}) =>
      call(schemas.session("SessionSummary"), api.templates[":id"].launch.$post({ ...template(ref), json: body })),
    /** Checks a definition (YAML text or JSON) without starting anything; a 400 lists what to fix, with line and column. */
    validatePipeline: (body: StartRunBody) => call(schemas.pipelines("ValidatedPipeline"), api.pipelines.validate.$post({ json: body })),
    startPipelineRun: (body: StartRunBody) => call(schemas.pipelines("RunView"), api.pipelines.runs.$post({ json: body })),
    listPipelineRuns: (query: { status?: RunStatus; limit?: number } = {}) => call(schemas.pipelines("RunList"), api.pipelines.runs.$get({ query: q(query) })),
    getPipelineRun: (id: string) => call(schemas.pipelines("RunView"), api.pipelines.runs[":id"].$get(run(id))),
    /** Cancels the run and interrupts its running sessions. */
    cancelPipelineRun: (id: string) => call(schemas.pipelines("RunView"), api.pipelines.runs[":id"].cancel.$post(run(id))),
    /** Re-runs only the steps that failed, were cancelled or were skipped; succeeded steps keep their outputs. */
    retryPipelineRun: (id: string) => call(schemas.pipelines("RunView"), api.pipelines.runs[":id"].retry.$post(run(id))),
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

export { connectSession, connectWorkspace, liveUrl, type Live, type LiveOptions } from "./client-live";
