/**
 * The route table of authorization: every route's action. A route missing here is refused for
 * everyone (and the authorization matrix test fails), so no endpoint can ship without a rule.
 */
import type { Action } from "../domain/policy";

export const PERMISSIONS: Record<string, Action> = {
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
  "GET /api/approvals": "approval.list",
  "POST /api/approvals/:id/decision": "session.act",
  "GET /api/agents": "agent.list",
  "GET /api/agents/connect": "agent.connect",
  "GET /api/workspace/live": "workspace.live",
  "GET /api/members": "member.read",
  "POST /api/members": "member.manage",
  "PATCH /api/members/:userId": "member.manage",
  "DELETE /api/members/:userId": "member.manage",
  "GET /api/tokens": "token.own",
  "POST /api/tokens": "token.own",
  "POST /api/tokens/:id/rotate": "token.own",
  "DELETE /api/tokens/:id": "token.own",
  "GET /api/audit": "audit.read",
  "GET /api/audit/export": "audit.read",
  "GET /api/audit/verify": "audit.read",
};
