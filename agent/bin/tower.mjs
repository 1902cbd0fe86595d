#!/usr/bin/env node
// The `tower` command. The CLI is TypeScript, bundled by esbuild (about a second, first run only) into
// dist/cli/tower.mjs whenever a source is newer than the bundle: no build step to forget, and no
// TypeScript loader (tsx) or React at run time. The bundle sits two levels below the project root,
// as agent/cli/main.ts does, so code that finds the root from its own file keeps working.
import { existsSync, readdirSync, renameSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "dist", "cli", "tower.mjs");

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

// The CLI bundles agent/ and what it imports of worker/ (the client, protocol and pure rules).
const sources = ["agent", "worker", "package.json"].map((p) => newestMtime(join(root, p)));
if (!existsSync(out) || Math.max(...sources) > statSync(out).mtimeMs) {
  const { build } = await import("esbuild");
  const r = await build({
    entryPoints: [join(root, "agent", "cli", "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    write: false,
    logLevel: "warning",
  });
  mkdirSync(dirname(out), { recursive: true });
  // Several `tower` processes may start at once (tests): each writes its own file and renames it into
  // place, so none ever imports a half-written bundle.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, r.outputFiles[0].contents);
  renameSync(tmp, out);
}
await import(pathToFileURL(out).href);
