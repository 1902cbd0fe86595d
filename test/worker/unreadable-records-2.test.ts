/**
 * More stored JSON that no longer reads, through the real Worker and D1: a machine's launch allow-lists
 * (who may launch there, which stdio MCP commands a run may start) must fail closed — allow no one and
 * no command — and the machine is still listed, saying why, instead of a 500 or a garbled "allowed".
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentPresence } from "../../worker/protocol/frames";
import { api, seedWorkspace } from "./helpers";

const tamper = (sql: string, ...values: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...values)
    .run();

async function listed(token: string, agentId: string) {
  const res = await api("/api/agents", token);
  expect(res.status).toBe(200);
  const body = await res.json<{ agents: (AgentPresence & Record<string, unknown>)[] }>();
  return body.agents.find((a) => a.id === agentId);
}

describe("security: a machine's launch allow-list that no longer reads", () => {
  it("allowedUsers: the machine admits no launch, and is listed with the reason", async () => {
    const seed = await seedWorkspace("unreadable-allowed-users");
    await tamper("update agents set allowed_users = ? where id = ?", JSON.stringify({ everyone: true }), seed.agentId);

    expect(await listed(seed.userToken, seed.agentId)).toMatchObject({
      allowedUsers: [],
      allowedUsersUnreadable: expect.stringContaining("could not be read"),
    });
    const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "hi", cwd: "/repo", agent: seed.agentId } });
    const body = await res.clone().text();
    expect(res.status, body).toBe(403);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/who may launch.*could not be read/);
  });

  it("allowedMcpCommands: no stdio MCP command is allowed, and the machine is listed with the reason", async () => {
    const seed = await seedWorkspace("unreadable-mcp-commands");
    // A bare string: today's `.includes` would read it as a substring match and let "my-mcp" through.
    await tamper("update agents set allowed_mcp_commands = ? where id = ?", JSON.stringify("my-mcp --anything"), seed.agentId);

    expect(await listed(seed.userToken, seed.agentId)).toMatchObject({
      allowedMcpCommands: [],
      allowedMcpCommandsUnreadable: expect.stringContaining("could not be read"),
    });
    const res = await api("/api/sessions", seed.userToken, {
      method: "POST",
      json: { prompt: "hi", cwd: "/repo", agent: seed.agentId, mcpServers: { tools: { command: "my-mcp" } } },
    });
    const body = await res.clone().text();
    expect(res.status, body).toBe(403);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/stdio MCP commands.*could not be read/);
  });
});

describe("security: a token whose stored scopes no longer read", () => {
  it("is refused, saying its scopes are unreadable and to make a new token; the list still shows it", async () => {
    const seed = await seedWorkspace("unreadable-scopes");
    // A bare string: today's `.includes("*")` would read it as a substring match and grant every scope.
    await tamper("update api_tokens set scopes = ? where user_id = ? and kind = 'user'", JSON.stringify("sessions:*"), seed.userId);

    const me = await api("/api/me", seed.userToken);
    expect(me.status).toBe(401);
    expect((await me.json<{ error: { message: string } }>()).error.message).toMatch(/stored scopes could not be read.*new token/);

    const admin = await seedWorkspace("unreadable-scopes-list");
    await tamper("update api_tokens set scopes = ? where agent_id = ?", "{not json", admin.agentId);
    const res = await api("/api/tokens?all=true", admin.userToken);
    expect(res.status).toBe(200);
    const { tokens } = await res.json<{ tokens: { agentId: string | null; scopes: string[]; scopesUnreadable?: string }[] }>();
    expect(tokens.find((t) => t.agentId === admin.agentId)).toMatchObject({ scopes: [], scopesUnreadable: expect.stringContaining("could not be read") });
  });
});
