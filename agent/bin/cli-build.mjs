// How the `tower` CLI is bundled (agent/bin/tower.mjs builds with these; test/unit/cli-bundle.test.ts
// checks what they produce). Split, so what only some commands need (the Agent SDK for `tower agent`
// and `up`, ws for `watch`) is a chunk loaded by the command that needs it, not parsed by every `tower ls`.
import { dirname, join } from "node:path";

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
    entryPoints: { tower: join(root, "agent", "cli", "main.ts") },
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
