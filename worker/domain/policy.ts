/**
 * Who may do what: the one place Tower decides authorization, for HTTP routes and WebSocket frames
 * alike. Pure: an Actor (from the token), an Action (from the route table or the frame), and, for
 * actions on one session, the actor's role on that session.
 */
export type WorkspaceRole = "owner" | "admin" | "member" | "viewer";
export type SessionRole = "owner" | "collaborator" | "viewer";

export interface Actor {
  workspaceId: string;
  kind: "user" | "agent";
  userId: string | null;
  agentId: string | null;
  /** The user's role in the workspace (null for agent tokens). */
  role: WorkspaceRole | null;
  scopes: readonly string[];
  subject: string;
  tokenId: string;
  /** When the token or browser session ends (null: never); open sockets are refused after it. */
  expiresAt: number | null;
}

/** Every thing a request or frame can do. A route without one is refused (see routes/permissions.ts). */
export const ACTIONS = [
  "public", // no token: starting or finishing a sign-in (rate limited instead)
  "health",
  "session.create",
  "session.list",
  "session.read",
  "session.act", // interrupt, continue, decide an approval
  "session.manage", // rename, archive, share, hand off
  "approval.list",
  "agent.list",
  "agent.connect", // the machine's control and session channels
  "machine.manage", // who may launch on a machine (its owner, or an admin)
  "workspace.live",
  "member.read",
  "member.manage",
  "workspace.manage", // workspace settings such as its SSO provider
  "token.own",
  "token.admin",
  "audit.read",
  "search.admin", // re-index a workspace, see the index's health
  "template.read", // the team library, plus one's own private templates
  "template.write", // create, import; a new version only by the template's author or an admin (mayEditTemplate)
  "pipeline.read",
  "pipeline.run", // start a run (its steps launch sessions as the caller)
  "pipeline.manage", // cancel or re-run: the run's starter, or an admin
  "rules.read", // the workspace's approval rules: read, test, replay
  "rules.write", // a new version of the approval rules (they approve tool calls for everyone)
  "push.own", // one's own push subscriptions and preferences (what is pushed still passes the decision rule)
] as const;
export type Action = (typeof ACTIONS)[number];

/** Which token scope each action needs; `*` grants all. */
const SCOPE: Record<Action, string> = {
  public: "read",
  health: "read",
  "session.create": "sessions:write",
  "session.list": "read",
  "session.read": "read",
  "session.act": "sessions:write",
  "session.manage": "sessions:write",
  "approval.list": "read",
  "agent.list": "read",
  "agent.connect": "agent",
  "machine.manage": "sessions:write",
  "workspace.live": "read",
  "member.read": "read",
  "member.manage": "admin",
  "workspace.manage": "admin",
  "token.own": "tokens",
  "token.admin": "admin",
  "audit.read": "admin",
  "search.admin": "admin",
  "template.read": "read",
  "template.write": "sessions:write",
  "pipeline.read": "read",
  "pipeline.run": "sessions:write",
  "pipeline.manage": "sessions:write",
  "rules.read": "read",
  "rules.write": "admin",
  "push.own": "read",
};

const SESSION_ACTIONS: ReadonlySet<Action> = new Set(["session.read", "session.act", "session.manage"]);

const isAdmin = (a: Actor) => a.role === "owner" || a.role === "admin";

/** Any scope implies `read`; everything else needs its own scope or `*`. */
function hasScope(actor: Actor, action: Action): boolean {
  const needed = SCOPE[action];
  return needed === "read" || actor.scopes.includes("*") || actor.scopes.includes(needed);
}

export type Decision = { ok: true } | { ok: false; why: string };

const deny = (why: string): Decision => ({ ok: false, why });
const allow: Decision = { ok: true };

/**
 * May `actor` do `action`? For session actions pass the actor's role on that session
 * (`sessionRoleOf`); workspace-wide actions ignore it.
 */
export function can(actor: Actor, action: Action, sessionRole: SessionRole | null = null): Decision {
  if (!hasScope(actor, action)) return deny(`this token lacks the scope for ${action}`);
  if (actor.kind === "agent") return action === "agent.connect" ? allow : deny("an agent token can only connect its machine");
  if (action === "agent.connect") return deny("only an agent token can connect a machine");
  const role = actor.role;
  if (!role) return deny("you are not a member of this workspace");
  if (SESSION_ACTIONS.has(action)) {
    if (isAdmin(actor)) return allow;
    if (!sessionRole) return deny("this session is not shared with you");
    if (action === "session.read") return allow;
    if (role === "viewer") return deny("workspace viewers can only read");
    if (action === "session.act") return sessionRole === "viewer" ? deny("you may only view this session") : allow;
    return sessionRole === "owner" ? allow : deny("only the session's owner or an admin can do this");
  }
  switch (action) {
    case "session.create":
    case "machine.manage":
      return role === "viewer" ? deny("workspace viewers cannot launch sessions or manage machines") : allow;
    case "template.write":
    case "pipeline.run":
    case "pipeline.manage":
      // Any member may add to the team's library; editing an existing template is narrower (mayEditTemplate).
      return role === "viewer" ? deny("workspace viewers can read templates and pipelines but not change or run them") : allow;
    case "rules.read":
      return role === "viewer" ? deny("workspace viewers cannot see the approval rules") : allow;
    case "rules.write":
    case "member.manage":
    case "workspace.manage":
    case "token.admin":
    case "audit.read":
    case "search.admin":
      return isAdmin(actor) ? allow : deny("this needs a workspace owner or admin");
    default:
      return allow; // health, lists (filtered to what the actor may see), live, member.read, token.own
  }
}

/** The actor's role on one session: its owner, a grant to them or to the whole workspace, or none. */
export function sessionRoleOf(
  actor: Actor,
  session: { ownerId: string },
  grants: readonly { principal: string; role: "collaborator" | "viewer" }[],
): SessionRole | null {
  if (actor.userId && session.ownerId === actor.userId) return "owner";
  const mine = grants.filter((g) => g.principal === "workspace" || (actor.userId && g.principal === `user:${actor.userId}`));
  if (mine.some((g) => g.role === "collaborator")) return "collaborator";
  return mine.length ? "viewer" : null;
}

/** Admins see every session of the workspace; everyone else only their own and those shared with them. */
export function seesAllSessions(actor: Actor): boolean {
  return actor.kind === "user" && isAdmin(actor);
}

/** May `actor` cancel or re-run a pipeline run started by `startedBy`? Its starter, or an admin. */
export function mayManageRun(actor: Actor, startedBy: string): Decision {
  const d = can(actor, "pipeline.manage");
  if (!d.ok) return d;
  return isAdmin(actor) || actor.userId === startedBy ? allow : deny("only the member who started this run, or an admin, can cancel or re-run it");
}

/**
 * May `actor` publish a new version of a template written by `authorId`? Its author, or an admin. A
 * version sets what every later launch runs (allowedTools skip approval, a stdio MCP command runs on
 * the machine), so the whole recipe is guarded, not field by field: a member proposes a change by
 * making their own template.
 */
export function mayEditTemplate(actor: Actor, authorId: string): Decision {
  const d = can(actor, "template.write");
  if (!d.ok) return d;
  return isAdmin(actor) || (actor.userId !== null && actor.userId === authorId)
    ? allow
    : deny("only the template's author or a workspace admin can publish a new version of it; make your own template (a copy) instead");
}
