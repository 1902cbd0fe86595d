#!/usr/bin/env node
// The `tower` command. The CLI is TypeScript, bundled by esbuild (about a second, first run only) into
// dist/cli/tower.mjs whenever a source is newer than the bundle: no build step to forget, and no
// TypeScript loader (tsx) or React at run time. The bundle sits two levels below the project root,
// as agent/cli/main.ts does, so code that finds the root from its own file keeps working.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  const { cliBuildOptions } = await import("./cli-build.mjs");
  const r = await build({ ...cliBuildOptions(root), write: false, logLevel: "warning" });
  // Several `tower` processes may start at once (tests): chunks are named by their content, so writing
  // one twice is harmless; the entry is written to its own file and renamed into place last, so none
  // ever imports a half-written bundle.
  const entry = r.outputFiles.find((f) => f.path === out);
  for (const f of r.outputFiles) {
    if (f === entry) continue;
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, entry.contents);
  renameSync(tmp, out);
  // Chunks of earlier builds go once no process that started from them can still ask for one (a
  // command loads its chunks within moments of starting).
  const current = new Set(r.outputFiles.map((f) => f.path));
  for (const name of readdirSync(dirname(out))) {
    const path = join(dirname(out), name);
    if (!current.has(path) && /\.mjs(\.map)?$/.test(name) && Date.now() - statSync(path).mtimeMs > 10 * 60_000) rmSync(path, { force: true });
  }
}
await import(pathToFileURL(out).href);
