import { describe, expect, it, vi } from "vitest";

// configFrom caches per isolate, so each case loads a fresh module.
async function load(env: Record<string, string>) {
  vi.resetModules();
  const { configFrom } = await import("../../worker/config");
  return configFrom(env);
}

describe("worker vars", () => {
  it("reads timeouts in seconds and a comma-separated list of origins", async () => {
    expect(await load({ APPROVAL_TIMEOUT_SECONDS: "60", AGENT_GRACE_SECONDS: "5", ALLOWED_ORIGINS: "https://a.example, https://b.example:8443" })).toEqual({
      approvalTimeoutMs: 60_000,
      parkAfterMs: 300_000,
      agentGraceMs: 5_000,
      allowedOrigins: ["https://a.example", "https://b.example:8443"],
    });
  });

  it("defaults what is missing", async () => {
    expect(await load({})).toEqual({ approvalTimeoutMs: 3_600_000, parkAfterMs: 300_000, agentGraceMs: 30_000, allowedOrigins: [] });
  });

  it.each([
    ["a timeout that is not a number", { APPROVAL_TIMEOUT_SECONDS: "soon" }],
    ["a zero grace period", { AGENT_GRACE_SECONDS: "0" }],
    ["an origin with a path", { ALLOWED_ORIGINS: "https://a.example/app" }],
    ["an origin that is not a URL", { ALLOWED_ORIGINS: "tower" }],
  ])("fails loudly on %s", async (_name, env) => {
    await expect(load(env)).rejects.toThrow();
  });
});
