// How the `tower` CLI is bundled (agent/bin/tower.mjs builds with these; test/unit/cli-bundle.test.ts
// checks what they produce). Split, so what only some commands need (the Agent SDK for `tower agent`
// and `up`, ws for `watch`) is a chunk loaded by the command that needs it, not parsed by every `tower ls`.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// zod's `z` namespace re-exports every locale (40-odd languages, about half of zod's size), so a bundle
// carries them all although only English is ever configured; this keeps zod's English alone, and
// `z.locales` then holds `en` only (nothing of ours reads it).
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
    }));
  },
};

/** esbuild options for the CLI bundle of the project at `root` (entry dist/cli/tower.mjs). */
export function cliBuildOptions(root) {
  return {
    // help-pages renders the help agent/bin/tower prints without node (buildSnapshot), from this very code.
    entryPoints: { tower: join(root, "agent", "cli", "main.ts"), "help-pages": join(root, "agent", "cli", "help-pages.ts") },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Pure-JS packages are bundled (one file read instead of hundreds resolved at every start); kept
    // outside: the Agent SDK (it runs its own files), esbuild (native), ws (optional native addons).
    external: ["@anthropic-ai/claude-agent-sdk", "esbuild", "ws"],
    outdir: join(root, "dist", "cli"),
    outExtension: { ".js": ".mjs" },
    // Beside the entry (not in a subfolder): code that finds the project root from its own file counts two levels up.
    chunkNames: "[name]-[hash]",
    sourcemap: "linked",
    // Less text for V8 to parse at every start; names stay, so a stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    // Bundled CommonJS (commander) requires Node's built-ins; an ES module has no `require` of its own.
    plugins: [zodEnglishOnly],
    banner: { js: 'import { createRequire as __towerRequire } from "node:module"; const require = __towerRequire(import.meta.url);' },
  };
}

// In the snapshot, `import("node:…")` must become a require(): a snapshot has no ES module loader, and its
// own require() reaches Node's built-ins only, so the packages kept outside are required from the project.
const snapshotRequires = (root) => ({
  name: "snapshot-requires",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => (a.kind === "dynamic-import" ? { path: a.path, namespace: "builtin" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: "js" }));
    // `agent` and `up` hand over to the ES module bundle before they load (snapshot.ts): their code, two
    // fifths of the CLI, would only weigh on every deserialization.
    b.onResolve({ filter: /[\\/](daemon|up)[\\/]command$/ }, (a) => ({ path: a.path, namespace: "outside" }));
    b.onLoad({ filter: /.*/, namespace: "outside" }, () => ({ contents: 'throw new Error("runs from the ES module bundle, not the start-up snapshot");' }));
    b.onResolve({ filter: /^ws$/ }, (a) => ({ path: a.path, namespace: "project" }));
    b.onLoad({ filter: /.*/, namespace: "project" }, (a) => ({
      contents: `import { projectRequire } from ${JSON.stringify(join(root, "agent", "cli", "snapshot-root.ts"))}; export default projectRequire(${JSON.stringify(a.path)});`,
      resolveDir: root,
    }));
  },
});

/** esbuild options for the start-up snapshot's script (dist/cli/tower-snapshot.cjs): one CommonJS file, as `--build-snapshot` takes. */
export function snapshotBuildOptions(root) {
  const { splitting, chunkNames, outdir, outExtension, banner, ...rest } = cliBuildOptions(root);
  return {
    ...rest,
    entryPoints: [join(root, "agent", "cli", "snapshot.ts")],
    format: "cjs",
    outfile: join(root, "dist", "cli", "tower-snapshot.cjs"),
    sourcemap: false,
    plugins: [...rest.plugins, snapshotRequires(root)],
  };
}

/**
 * Writes dist/cli/sources, the list agent/bin/tower reads to know whether what it starts (the snapshot
 * and the help pages) is fresh: `sources='<file> …'`, paths from the project root, with the file's own
 * mtime set to `at`, when the build began: a source newer than it was changed since.
 */
export function writeSources(root, files, at) {
  const bad = files.filter((f) => !/^[\w./@+-]+$/.test(f));
  if (bad.length > 0) throw new Error(`cannot list these sources for the sh launcher: ${bad.join(", ")}`);
  const out = join(root, "dist", "cli", "sources");
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `sources='${[...new Set(files)].join(" ")}'\n`);
  utimesSync(tmp, at / 1000, at / 1000);
  renameSync(tmp, out);
}

/** Writes the help pages (help-pages.ts) to dist/cli/help/<name>, each replaced whole, and drops pages of commands that went. */
export function writeHelpPages(root, pages) {
  const dir = join(root, "dist", "cli", "help");
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of pages) {
    const tmp = join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(dir, name));
  }
  for (const name of readdirSync(dir)) if (!pages.has(name) && !name.startsWith(".")) rmSync(join(dir, name), { force: true });
}

/**
 * Builds dist/cli/tower.blob: bundles snapshot.ts and runs it under `node --build-snapshot`. The blob
 * only loads in the node binary that built it, so its mtime is set to that binary's (`touch -r`, to the
 * nanosecond): agent/bin/tower compares the two before it starts node from the blob. Then the help
 * pages, rendered by the bundle (which must be built), and last the sources list that says both are fresh.
 */
export async function buildSnapshot(root) {
  const { build } = await import("esbuild");
  const at = Date.now();
  const r = await build({ ...snapshotBuildOptions(root), absWorkingDir: root, metafile: true, logLevel: "warning" });
  const files = Object.keys(r.metafile.inputs).filter((f) => !f.includes("node_modules/") && !f.startsWith("..") && !f.includes(":"));
  files.push("package.json", "agent/bin/cli-build.mjs");
  const blob = join(root, "dist", "cli", "tower.blob");
  const tmp = `${blob}.${process.pid}.tmp`;
  const script = join(root, "dist", "cli", "tower-snapshot.cjs");
  const built = spawnSync(process.execPath, ["--snapshot-blob", tmp, "--build-snapshot", script], { cwd: root, encoding: "utf8" });
  // Node warns that a built-in module (child_process, which commander requires) is "not yet fully verified" in a snapshot.
  if (built.status !== 0) throw new Error(`building the start-up snapshot failed (${built.status}): ${built.stderr}`);
  const stamped = spawnSync("touch", ["-r", realpathSync(process.execPath), tmp]);
  if (stamped.status !== 0) throw new Error(`touch -r failed: ${stamped.stderr}`);
  const { helpPages } = await import(`${pathToFileURL(join(root, "dist", "cli", "help-pages.mjs")).href}?at=${at}`);
  writeHelpPages(root, await helpPages());
  writeFileSync(`${tmp}.json`, JSON.stringify({ at }));
  renameSync(`${tmp}.json`, `${blob}.json`);
  renameSync(tmp, blob);
  // What the bundle was built from too: the help of `agent` and `up` comes from modules the snapshot leaves out.
  const bundled = JSON.parse(readFileSync(join(root, "dist", "cli", "inputs.json"), "utf8"));
  writeSources(root, [...files, ...bundled], at);
  return blob;
}

/**
 * Bundles the CLI into dist/cli (tower.mjs and its chunks) and lists the project's files it was built
 * from in dist/cli/inputs.json, which agent/bin/tower.mjs checks at every start.
 */
export async function buildBundle(root) {
  const { build } = await import("esbuild");
  const out = join(root, "dist", "cli", "tower.mjs");
  const inputsFile = join(root, "dist", "cli", "inputs.json");
  const r = await build({ ...cliBuildOptions(root), absWorkingDir: root, metafile: true, write: false, logLevel: "warning" });
  // A file imported for the first time is named by the file that now imports it, which changed.
  const inputs = Object.keys(r.metafile.inputs).filter((f) => !f.includes("node_modules/") && !f.startsWith(".."));
  // The snapshot's entry too: the snapshot is rebuilt whenever the bundle is.
  inputs.push("package.json", "agent/bin/cli-build.mjs", "agent/cli/snapshot.ts", "agent/cli/snapshot-root.ts");
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

// `node agent/bin/cli-build.mjs [--snapshot]`: npm's `prepare` (so `npm ci` leaves a ready `tower`) builds
// both; the launcher builds the snapshot alone, in the background, when its blob is missing or stale.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const bundle = process.argv.includes("--snapshot") ? Promise.resolve() : buildBundle(root);
  bundle
    .then(() => buildSnapshot(root))
    .catch((e) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    })
    // The launcher's lock (agent/bin/tower.mjs), taken before it started this build.
    .finally(() => process.argv.includes("--unlock") && rmSync(join(root, "dist", "cli", "tower.blob.lock"), { force: true }));
}
