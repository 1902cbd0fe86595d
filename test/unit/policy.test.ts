import { describe, expect, it } from "vitest";
import { can, sessionRoleOf, type Action, type Actor, type SessionRole, type WorkspaceRole } from "../../worker/domain/policy";

const actor = (role: WorkspaceRole | null, scopes: string[] = ["*"], kind: "user" | "agent" = "user"): Actor => ({
  workspaceId: "wsp_1",
  kind,
  userId: kind === "user" ? "usr_me" : null,
  agentId: kind === "agent" ? "agt_1" : null,
  role,
  scopes,
  subject: "me",
  tokenId: "tok_1",
  expiresAt: null,
});

// [workspace role, session role, action, allowed?]
const table: [WorkspaceRole, SessionRole | null, Action, boolean][] = [
  ["member", "owner", "session.manage", true],
  ["member", "collaborator", "session.act", true],
  ["member", "collaborator", "session.manage", false],
  ["member", "viewer", "session.read", true],
  ["member", "viewer", "session.act", false],
  ["member", null, "session.read", false],
  ["viewer", "collaborator", "session.act", false],
  ["viewer", "viewer", "session.read", true],
  ["viewer", null, "session.create", false],
  ["admin", null, "session.manage", true],
  ["owner", null, "audit.read", true],
  ["member", null, "audit.read", false],
  ["member", null, "member.manage", false],
  ["admin", null, "member.manage", true],
  ["member", null, "workspace.manage", false],
  ["viewer", null, "workspace.manage", false],
  ["admin", null, "workspace.manage", true],
  ["owner", null, "workspace.manage", true],
  ["member", null, "agent.connect", false],
];

describe("policy", () => {
  it.each(table)("%s with session role %s: %s → %s", (role, sessionRole, action, allowed) => {
    expect(can(actor(role), action, sessionRole).ok).toBe(allowed);
  });

  it("lets an agent token do nothing but connect its machine", () => {
    const agent = actor(null, ["*"], "agent");
    expect(can(agent, "agent.connect").ok).toBe(true);
    expect(can(agent, "session.list").ok).toBe(false);
  });

  it("limits a token to its scopes: read-only tokens read but do not act", () => {
    const ro = actor("owner", ["read"]);
    expect(can(ro, "session.list").ok).toBe(true);
    expect(can(ro, "session.act", "owner").ok).toBe(false);
    expect(can(ro, "audit.read").ok).toBe(false);
    expect(can(actor("owner", ["sessions:write"]), "session.act", "owner").ok).toBe(true);
  });

  it("refuses a user who is no longer a member of the workspace", () => {
    expect(can(actor(null), "session.list")).toMatchObject({ ok: false, why: expect.stringMatching(/not a member/) });
  });

  it("works out a session role from ownership, a personal grant or a workspace grant", () => {
    const me = actor("member");
    expect(sessionRoleOf(me, { ownerId: "usr_me" }, [])).toBe("owner");
    expect(sessionRoleOf(me, { ownerId: "usr_x" }, [{ principal: "user:usr_me", role: "collaborator" }])).toBe("collaborator");
    expect(sessionRoleOf(me, { ownerId: "usr_x" }, [{ principal: "workspace", role: "viewer" }])).toBe("viewer");
    expect(
      sessionRoleOf(me, { ownerId: "usr_x" }, [
        { principal: "workspace", role: "viewer" },
        { principal: "user:usr_me", role: "collaborator" },
      ]),
    ).toBe("collaborator");
    expect(sessionRoleOf(me, { ownerId: "usr_x" }, [{ principal: "user:usr_other", role: "collaborator" }])).toBeNull();
  });
});
