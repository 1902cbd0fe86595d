import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        main: "./worker/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            APPROVAL_TIMEOUT_SECONDS: "3600",
            AGENT_GRACE_SECONDS: "30",
            // A fixed key for tests only; production sets its own with `wrangler secret put TOWER_SECRET_KEY`.
            TOWER_SECRET_KEY: "dGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g=",
            // The tier plays the front door with a header of its own (test/worker/browser.ts sets it), so a
            // cf-connecting-ip a test sends is what it is outside Cloudflare: the client's own claim.
            CLIENT_ADDRESS_HEADER: "x-test-client-address",
            // A fixed VAPID key for tests only (production: `wrangler secret put VAPID_PRIVATE_KEY`), and leave to
            // push to the loopback push service the global setup starts (test/worker/push-service.ts).
            VAPID_PRIVATE_KEY:
              '{"kty":"EC","crv":"P-256","x":"IXHXpGL0qyBXgBjih5EGwA7Z8PyS9HsfzWkwkLuNbKE","y":"YZ-FzF2omjUhiWVyFBPYBx5G2eYL-GRBCu7XePyUrIU","d":"GaGwUW2vGR2Q5lJcPy2XOuEdeyf27UhQp9lHjUWA2Mo"}',
            VAPID_SUBJECT: "mailto:tests@tower.invalid",
            PUSH_ALLOW_LOOPBACK: "1",
          },
        },
      }),
    ],
    // wrangler.toml's [define] (the local search build); Vite does not read it from there.
    define: { TOWER_LOCAL_SEARCH: "true" },
    test: {
      name: "worker",
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["./test/worker/apply-migrations.ts"],
      globalSetup: ["./test/worker/push-service.ts"],
      // Socket tests wait on frames from Durable Objects; on a busy 2-core machine 5 s is too tight.
      testTimeout: 20_000,
    },
  };
});
