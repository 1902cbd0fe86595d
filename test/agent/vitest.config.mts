import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Agent tests run the real Claude Code binary against a loopback fake API; runs take seconds, and one
// deliberately waits more than a minute on an approval.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    environment: "node",
    include: ["test/agent/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
