#!/usr/bin/env node
// Runs every test tier in order (web build, fresh binding types, lint, type checks, unit, workerd, agent,
// end-to-end, browser, and a `wrangler deploy --dry-run` bundle), keeps going past a
// failing tier so the report is complete, then prints one line "N passed, N failed" summed from
// vitest's JSON reports in test-results/. Exit code is non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";

const OUT = "test-results";
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const only = process.argv.slice(2);
const tiers = [
  { name: "web-build", cmd: ["npx", "vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"] },
  { name: "types-fresh", cmd: ["npx", "wrangler", "types", "--env-interface", "Env", "worker-configuration.d.ts", "--check"] },
  // Lint only: the format check joins once the formatter has been run over the whole tree (biome.jsonc).
  { name: "lint", cmd: ["npx", "biome", "ci", "."] },
  { name: "typecheck", cmd: ["npx", "tsc", "--noEmit", "-p", "tsconfig.json"] },
  { name: "typecheck-node", cmd: ["npx", "tsc", "--noEmit", "-p", "agent/tsconfig.json"] },
  { name: "typecheck-web", cmd: ["npx", "tsc", "--noEmit", "-p", "web/tsconfig.json"] },
  { name: "unit", vitest: "test/unit/vitest.config.mts" },
  { name: "worker", vitest: "test/worker/vitest.config.mts" },
  { name: "agent", vitest: "test/agent/vitest.config.mts" },
  { name: "e2e", vitest: "test/e2e/vitest.config.mts" },
  { name: "browser", vitest: "test/browser/vitest.config.mts" },
  { name: "deploy-dry-run", cmd: ["npx", "wrangler", "deploy", "--dry-run", "--outdir", `${OUT}/dist`] },
].filter((t) => (only.length ? only.includes(t.name) : true) && (!t.vitest || existsSync(t.vitest)));

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
let passed = 0;
let failed = 0;
const broken = [];

for (const t of tiers) {
  console.log(`\n=== ${t.name} ===`);
  const cmd = t.cmd ?? ["npx", "vitest", "run", "--config", t.vitest, "--reporter=default", "--reporter=json", `--outputFile.json=${OUT}/${t.name}.json`];
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit", env });
  if (t.vitest && existsSync(`${OUT}/${t.name}.json`)) {
    const report = JSON.parse(readFileSync(`${OUT}/${t.name}.json`, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A suite that failed to load (syntax error, crashed pool) has no failed test but must still count.
    if (r.status !== 0 && report.numFailedTests === 0) {
      failed += 1;
      broken.push(t.name);
    }
  } else if (r.status !== 0) {
    failed += 1;
    broken.push(t.name);
  }
}

if (broken.length) console.log(`\nfailed outside any single test: ${broken.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
