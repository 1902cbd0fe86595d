import { defineConfig } from "vitest/config";

// The web app in Debian's Chromium (playwright-core) against wrangler dev on loopback, with the real
// agent and the real Claude Code binary on the fake Messages API. One file at a time.
export default defineConfig({
  test: {
    name: "browser",
    environment: "node",
    include: ["test/browser/**/*.test.ts"],
    globalSetup: ["test/browser/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
