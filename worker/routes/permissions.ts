/**
 * The route table of authorization: every route's action. Its keys are checked against the app's
 * route table by tsc (`RouteKey`, derived from `AppType`): a typed route without a rule, or a rule
 * for no route, does not compile; a route missing at run time is refused for everyone.
 */
import type { ExtractSchema } from "hono/types";
import type { AppType } from "../app";
import type { Action } from "../domain/policy";

type Schema = ExtractSchema<AppType>;
type Verb<M> = M extends `$${infer V}` ? Uppercase<V> : never;
/** "METHOD /path" of every route in the typed chain of worker/app.ts. */
export type RouteKey = { [P in keyof Schema & string]: `${Verb<keyof Schema[P]>} ${P}` }[keyof Schema & string];
/** Routes outside the typed chain (app.doc31 serves the OpenAPI document itself). */
type OutsideTheTable = "GET /api/openapi.json";

const TABLE = {
  "GET /api/health": "health",
  "GET /api/openapi.json": "health",
  "GET /api/echo": "health",
  "POST /api/sessions": "session.create",
  "GET /api/sessions": "session.list",
  "GET /api/sessions/:id": "session.read",
  "GET /api/sessions/:id/events": "session.read",
  "PATCH /api/sessions/:id": "session.manage",
  "POST /api/sessions/:id/interrupt": "session.act",
  "POST /api/sessions/:id/continue": "session.act",
  "GET /api/sessions/:id/live": "session.read",
  "GET /api/sessions/:id/agent": "agent.connect",
  "GET /api/sessions/:id/shares": "session.read",
  "PUT /api/sessions/:id/shares": "session.manage",
  "DELETE /api/sessions/:id/shares/:principal": "session.manage",
  "POST /api/sessions/:id/handoff": "session.manage",
  "POST /api/sessions/:id/approvals/:approvalId/decision": "session.act",
  "GET /api/approvals": "approval.list",
  "GET /api/approvals/:id": "session.read",
  "POST /api/approvals/:id/decision": "session.act",
  "POST /api/approvals/:id/always-allow": "rules.write",
  "GET /api/agents": "agent.list",
  "GET /api/agents/connect": "agent.connect",
  "GET /api/workspace/live": "workspace.live",
  "GET /api/workspace/sso": "workspace.manage",
  "PUT /api/workspace/sso": "workspace.manage",
  "DELETE /api/workspace/sso": "workspace.manage",
  "GET /api/members": "member.read",
  "POST /api/members": "member.manage",
  "PATCH /api/members/:userId": "member.manage",
  "DELETE /api/members/:userId": "member.manage",
  "GET /api/tokens": "token.own",
  "POST /api/tokens": "token.own",
  "POST /api/tokens/:id/rotate": "token.own",
  "DELETE /api/tokens/:id": "token.own",
  "GET /api/keys": "token.own",
  "POST /api/keys": "token.own",
  "PUT /api/keys/:id/enrolment": "token.own",
  "POST /api/keys/:id/revoke": "token.own",
  "GET /api/audit": "audit.read",
  "GET /api/audit/export": "audit.read",
  "GET /api/audit/verify": "audit.read",
  "POST /api/auth/device": "public",
  "POST /api/auth/device/token": "public",
  "POST /api/auth/device/approve": "token.own",
  "POST /api/auth/session": "public",
  "DELETE /api/auth/session": "public",
  "GET /api/auth/providers": "public",
  "GET /api/invitations": "member.manage",
  "POST /api/invitations": "member.manage",
  "DELETE /api/invitations/:id": "member.manage",
  "POST /api/invitations/accept": "public",
  "PATCH /api/agents/:id": "machine.manage",
  "GET /api/me": "health",
  "POST /api/me/switch": "token.own",
  "GET /api/sessions/:id/similar": "session.read",
  "GET /api/search": "session.list",
  "POST /api/search/similar": "session.list",
  "POST /api/search/backfill": "search.admin",
  "GET /api/search/stats": "search.admin",
  "GET /api/templates": "template.read",
  "POST /api/templates": "template.write",
  "POST /api/templates/import": "template.write",
  "POST /api/templates/from-session": "template.write",
  "GET /api/templates/:id": "template.read",
  "PUT /api/templates/:id": "template.write",
  "GET /api/templates/:id/versions": "template.read",
  "GET /api/templates/:id/export": "template.read",
  "POST /api/templates/:id/launch": "session.create",
  "POST /api/pipelines/validate": "pipeline.read",
  "POST /api/pipelines/runs": "pipeline.run",
  "GET /api/pipelines/runs": "pipeline.read",
  "GET /api/pipelines/runs/:id": "pipeline.read",
  "POST /api/pipelines/runs/:id/cancel": "pipeline.manage",
  "POST /api/pipelines/runs/:id/retry": "pipeline.manage",
  "GET /api/rules": "rules.read",
  "GET /api/rules/history": "rules.read",
  "PUT /api/rules": "rules.write",
  "POST /api/rules/test": "rules.read",
  "POST /api/rules/replay": "rules.read",
  "GET /api/approver-groups": "rules.read",
  "PUT /api/approver-groups/:name": "rules.write",
  "DELETE /api/approver-groups/:name": "rules.write",
} as const satisfies Record<RouteKey | OutsideTheTable, Action>;

export const PERMISSIONS: Readonly<Record<string, Action>> = TABLE;
