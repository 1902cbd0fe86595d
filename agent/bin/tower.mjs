#!/usr/bin/env node
// The `tower` command without its start-up snapshot (agent/bin/tower starts node from the snapshot when
// there is a fresh one; the snapshot hands over here otherwise). The CLI is TypeScript, bundled by
// esbuild (about a second, first run only) into dist/cli/tower.mjs whenever a source it bundles is
// newer than the bundle: no build step to forget, and no TypeScript loader (tsx) or React at run time.
// The bundle sits two levels below the project root, as agent/cli/main.ts does, so code that finds the
// root from its own file keeps working. No top-level await: the snapshot require()s this module.
import { closeSync, openSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "dist", "cli", "tower.mjs");
// The project's files the bundle was built from (esbuild's metafile), with package.json and the build
// options: checking those is a stat each, where walking agent/ and worker/ cost every start ~15 ms.
const inputsFile = join(root, "dist", "cli", "inputs.json");
const blob = join(root, "dist", "cli", "tower.blob");

/** True when the bundle is missing, or a file it was built from changed or went since. */
function stale() {
  try {
    const built = statSync(out).mtimeMs;
    return JSON.parse(readFileSync(inputsFile, "utf8")).some((f) => statSync(join(root, f)).mtimeMs > built);
  } catch {
    return true;
  }
}

/**
 * True when the snapshot (and the help pages built with it) is missing, older than the bundle, or not
 * built by this node (cli-build.mjs stamps it), or when the list that tells agent/bin/tower they are fresh is missing.
 */
function snapshotStale() {
  try {
    statSync(join(root, "dist", "cli", "sources"));
    const { at } = JSON.parse(readFileSync(`${blob}.json`, "utf8"));
    const node = statSync(realpathSync(process.execPath), { bigint: true }).mtimeNs;
    return statSync(blob, { bigint: true }).mtimeNs !== node || statSync(out).mtimeMs > at;
  } catch {
    return true;
  }
}

/**
 * Builds the snapshot in a detached process, so this command does not wait on it; one at a time (a lock
 * file, taken over once it is a few minutes old: a build that died leaves its lock behind).
 */
async function rebuildSnapshot() {
  const lock = `${blob}.lock`;
  try {
    if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { force: true });
  } catch {}
  let fd;
  try {
    fd = openSync(lock, "wx");
  } catch {
    return;
  }
  closeSync(fd);
  const { spawn } = await import("node:child_process");
  spawn(process.execPath, [join(root, "agent", "bin", "cli-build.mjs"), "--snapshot", "--unlock"], { cwd: root, detached: true, stdio: "ignore" }).unref();
}

(stale() ? import("./cli-build.mjs").then((m) => m.buildBundle(root)) : Promise.resolve())
  .then(() => {
    if (snapshotStale()) return rebuildSnapshot();
  })
  .then(() => import(pathToFileURL(out).href));
