#!/usr/bin/env node
// The `tower` command. The CLI is TypeScript, bundled by esbuild (about a second, first run only) into
// dist/cli/tower.mjs whenever a source it bundles is newer than the bundle: no build step to forget,
// and no TypeScript loader (tsx) or React at run time. The bundle sits two levels below the project
// root, as agent/cli/main.ts does, so code that finds the root from its own file keeps working.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "dist", "cli", "tower.mjs");
// The project's files the bundle was built from (esbuild's metafile), with package.json and the build
// options: checking those is a stat each, where walking agent/ and worker/ cost every start ~15 ms.
const inputsFile = join(root, "dist", "cli", "inputs.json");

/** True when the bundle is missing, or a file it was built from changed or went since. */
function stale() {
  try {
    const built = statSync(out).mtimeMs;
    return JSON.parse(readFileSync(inputsFile, "utf8")).some((f) => statSync(join(root, f)).mtimeMs > built);
  } catch {
    return true;
  }
}

if (stale()) {
  const { build } = await import("esbuild");
  const { cliBuildOptions } = await import("./cli-build.mjs");
  const r = await build({ ...cliBuildOptions(root), absWorkingDir: root, metafile: true, write: false, logLevel: "warning" });
  // A file imported for the first time is named by the file that now imports it, which changed.
  const inputs = Object.keys(r.metafile.inputs).filter((f) => !f.includes("node_modules/") && !f.startsWith(".."));
  inputs.push("package.json", "agent/bin/cli-build.mjs");
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
  const listTmp = `${inputsFile}.${process.pid}.tmp`;
  writeFileSync(listTmp, JSON.stringify(inputs));
  renameSync(listTmp, inputsFile);
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
