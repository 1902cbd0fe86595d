import { defineConfig } from "vitest/config";

// End-to-end: wrangler dev on loopback, the real agent process, the real Claude Code binary on the
// fake Messages API. One file at a time: each starts its own server, agent and fake API.
export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["test/e2e/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
