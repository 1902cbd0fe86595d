import { describe, expect, it } from "vitest";
import { admitRun, admittedDenyRules, type MachinePolicy, stdioCommands } from "../../worker/domain/launch-policy";
import type { LaunchSpec } from "../../worker/protocol/session";

const machine = (over: Partial<{ allowedUsers: string[] | null; allowedMcpCommands: string[]; denyRules: MachinePolicy["denyRules"] }> = {}) => ({
  id: "agt_1",
  name: "box",
  allowedUsers: null,
  allowedMcpCommands: [],
  ...over,
});
const mcp = (servers: LaunchSpec["mcpServers"]) => ({ mcpServers: servers });

describe("admitRun", () => {
  it.each([
    ["no MCP servers, open machine", machine(), {}, true],
    ["a user not on the machine's list", machine({ allowedUsers: ["usr_b"] }), {}, false],
    ["a user on the list", machine({ allowedUsers: ["usr_a"] }), {}, true],
    ["a stdio command with no allowlist (the default)", machine(), mcp({ fs: { command: "npx", args: ["fs"] } }), false],
    ["a stdio command given with type stdio", machine({ allowedMcpCommands: ["other"] }), mcp({ fs: { type: "stdio", command: "npx" } }), false],
    ["an allowed stdio command", machine({ allowedMcpCommands: ["npx"] }), mcp({ fs: { command: "npx", args: ["anything"] } }), true],
    ["a command matched only as a prefix", machine({ allowedMcpCommands: ["npx"] }), mcp({ fs: { command: "npx-evil" } }), false],
    ["an http server needs no allowlist", machine(), mcp({ web: { type: "http", url: "https://x.test" } }), true],
    ["a readable deny policy", machine({ denyRules: { rules: [{ decision: "deny", tool: ["Bash"] }] } }), {}, true],
    ["a deny policy that no longer reads (fails closed)", machine({ denyRules: { unreadable: "rules: expected array" } }), {}, false],
  ] as const)("%s", (_what, m, spec, ok) => {
    expect(admitRun(m, "usr_a", spec).ok).toBe(ok);
  });

  it("names the refused command, its server and how the owner allows it", () => {
    const r = admitRun(machine(), "usr_a", mcp({ fs: { command: "/bin/sh", args: ["-c", "x"] } }));
    expect(r).toEqual({ ok: false, why: expect.stringContaining('stdio MCP command "/bin/sh" (MCP server "fs")') });
    expect(!r.ok && r.why).toContain("PATCH /api/agents/agt_1");
  });

  it("says why an unreadable deny policy admits nothing, and never hands it on as no policy", () => {
    const m = machine({ denyRules: { unreadable: "the stored value is not JSON" } });
    const r = admitRun(m, "usr_a", {});
    expect(!r.ok && r.why).toContain("deny policy could not be read (the stored value is not JSON)");
    expect(admittedDenyRules(m)).toBeNull();
    expect(admittedDenyRules(machine({ denyRules: { rules: [] } }))).toEqual({ rules: [] });
  });

  it("lists only stdio servers", () => {
    expect(stdioCommands(mcp({ a: { command: "x" }, b: { type: "sse", url: "https://y.test" } }))).toEqual([{ server: "a", command: "x" }]);
  });
});

describe("one launch function", () => {
  it("only worker/launch.ts asks a session room to create a session or run a follow-up", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".ts") ? [join(dir, f)] : []));
    const callers = [...files("worker"), ...files("agent"), ...files("party").filter((f) => !f.endsWith("session-room.ts"))].filter((f) => {
      const src = readFileSync(f, "utf8");
      return /\.continueWith\(/.test(src) || /(sessionRoom\([^)]*\)\)|room)\.create\(/.test(src);
    });
    expect(callers).toEqual(["worker/launch.ts"]);
  });
});

describe("the agent's own MCP allowlist (defense in depth)", () => {
  const order = (mcpServers: LaunchSpec["mcpServers"]) => ({ sessionId: "ses_x" as never, runId: "r", spec: { prompt: "p", cwd: "/", mcpServers } });
  it("refuses a stdio command the machine's operator did not pass with --allow-mcp, whatever the server sent", async () => {
    const { checkMcp } = await import("../../agent/daemon/relay");
    expect(checkMcp(order({ x: { command: "/bin/sh", args: ["-c", "id"] } }), [])).toContain('"/bin/sh"');
    expect(checkMcp(order({ x: { command: "/bin/sh" } }), ["npx"])).toContain("--allow-mcp /bin/sh");
    expect(checkMcp(order({ x: { command: "npx" }, w: { type: "http", url: "https://x.test" } }), ["npx"])).toBeNull();
    expect(checkMcp(order(undefined), [])).toBeNull();
  });
});
