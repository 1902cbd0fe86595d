/**
 * The `tower` CLI runs on a developer's machine from an esbuild bundle (agent/bin/tower.mjs): it must
 * not need a TypeScript loader, React, or any Worker runtime package there, whatever agent/ imports.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs module beside the launcher, without types
import { cliBuildOptions, snapshotBuildOptions } from "../../agent/bin/cli-build.mjs";

// Each case runs a whole esbuild build of the CLI: seconds on a loaded machine.
describe("happy", { timeout: 30_000 }, () => {
  it("bundles the CLI without tsx, React or Worker runtime packages", async () => {
    const r = await build({
      entryPoints: ["agent/cli/main.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const packages = new Set(Object.values(r.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)));
    const forbidden = [...packages].filter((p) => /^(tsx|react|react-dom|partyserver|drizzle-orm|cloudflare:|@hono\/zod-openapi)(\/|$)/.test(p));
    expect(forbidden).toEqual([]);
    const ours = Object.keys(r.metafile.inputs).filter((f) => !f.startsWith("agent/"));
    // pipelines/yaml.ts is pure (the yaml package only): the agent reads its owner's deny policy file with it.
    // package.json gives `tower --version` its version (esbuild keeps that one field).
    expect(
      ours.filter((f) => f !== "package.json" && !/^worker\/(client\.ts|client-live\.ts|client-rpc\.ts|protocol\/|domain\/|pipelines\/yaml\.ts$)/.test(f)),
    ).toEqual([]);
  });

  it("starts the CLI without a TypeScript loader", () => {
    expect(readFileSync("agent/bin/tower.mjs", "utf8")).not.toMatch(/(from\s+|import\(\s*)["']tsx/);
  });

  it("starts every command without the Agent SDK or ws: only `tower agent`, `up` and the streaming commands load them", async () => {
    const root = process.cwd();
    const r = await build({ ...cliBuildOptions(root), write: false, metafile: true, logLevel: "silent" });
    const outputs = r.metafile?.outputs ?? {};
    // What loads at start: the entry and what it imports statically (`import … from`), not `import()`.
    const loaded = new Set<string>();
    const visit = (file: string) => {
      for (const i of outputs[file]?.imports ?? []) {
        if (i.kind !== "import-statement" || loaded.has(i.path)) continue;
        loaded.add(i.path);
        if (!i.external) visit(i.path);
      }
    };
    visit(relative(root, join(root, "dist", "cli", "tower.mjs")));
    expect(loaded.size).toBeGreaterThan(0);
    expect([...loaded].filter((s) => /^(@anthropic-ai\/claude-agent-sdk|ws)(\/|$)/.test(s))).toEqual([]);
    const later = Object.values(outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    expect(later).toEqual(expect.arrayContaining(["@anthropic-ai/claude-agent-sdk", "ws"]));
  });

  it("runs `tower --help` without zod, the typed client or any command module: a command's code loads when the command line names it", async () => {
    const root = process.cwd();
    const r = await build({ ...cliBuildOptions(root), write: false, metafile: true, logLevel: "silent" });
    const outputs = r.metafile?.outputs ?? {};
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const i of outputs[file]?.imports ?? []) if (i.kind === "import-statement" && !i.external) visit(i.path);
    };
    // What `--help` evaluates: the entry with its static imports, and the error report it ends in
    // (commander reports help as a CommanderError), which the entry imports on use.
    visit(relative(root, join(root, "dist", "cli", "tower.mjs")));
    const report = Object.entries(outputs).find(([, o]) => o.entryPoint === undefined && Object.keys(o.inputs).includes("agent/cli/output.ts"));
    expect(report).toBeDefined();
    visit(report?.[0] ?? "");
    const inputs = [...loaded].flatMap((o) => Object.keys(outputs[o]?.inputs ?? {}));
    expect(inputs).toEqual(expect.arrayContaining(["agent/cli/program.ts", "agent/cli/output.ts"]));
    expect(inputs.filter((f) => /node_modules\/zod\/|^agent\/cli\/commands\/|^agent\/(daemon|up)\/|^worker\/(?!protocol\/api-error\.ts$)/.test(f))).toEqual([]);
  });

  it("runs `tower ls` building the session list's schemas only: every other endpoint's protocol module loads with its own response", async () => {
    const root = process.cwd();
    const r = await build({ ...cliBuildOptions(root), write: false, metafile: true, logLevel: "silent" });
    const outputs = r.metafile?.outputs ?? {};
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const i of outputs[file]?.imports ?? []) if (i.kind === "import-statement" && !i.external) visit(i.path);
    };
    // What `tower ls` evaluates before its request leaves: the entry and the ls command with their static imports.
    visit(relative(root, join(root, "dist", "cli", "tower.mjs")));
    const ls = Object.entries(outputs).find(([, o]) => o.entryPoint === "agent/cli/commands/ls.ts");
    expect(ls).toBeDefined();
    visit(ls?.[0] ?? "");
    const inputs = [...loaded].flatMap((o) => Object.keys(outputs[o]?.inputs ?? {}));
    expect(inputs).toEqual(expect.arrayContaining(["agent/cli/commands/ls.ts", "worker/client.ts", "worker/protocol/session.ts"]));
    // Modules whose schemas ls never reads: approvals, templates, pipelines, rules, members, sign-in, search, events, frames.
    const others = inputs.filter((f) => /^worker\/protocol\/(?!(session|ids|json|errors|api-error|approval-text|sdk-message|close-codes)\.ts$)/.test(f));
    expect(others).toEqual([]);
  });

  it("bundles zod's English messages only: its other locales are a third of the bundle every command parses", async () => {
    const r = await build({ ...cliBuildOptions(process.cwd()), write: false, metafile: true, logLevel: "silent" });
    const locales = Object.keys(r.metafile?.inputs ?? {}).filter((f) => /node_modules\/zod\/v4\/locales\//.test(f));
    expect(locales.some((f) => f.endsWith("/en.js"))).toBe(true);
    expect(locales.filter((f) => !/\/(en|index)\.js$/.test(f))).toEqual([]);
  });

  it("builds the start-up snapshot from the commands it runs: not `agent` or `up`, and no package but ws from outside it", async () => {
    const r = await build({ ...snapshotBuildOptions(process.cwd()), write: false, metafile: true, logLevel: "silent" });
    const inputs = Object.keys(r.metafile?.inputs ?? {});
    expect(inputs).toEqual(expect.arrayContaining(["agent/cli/snapshot.ts", "agent/cli/commands/ls.ts", "worker/protocol/session.ts"]));
    // `agent` and `up` hand over to the bundle: their modules (and the Agent SDK, wrangler) stay out of the heap.
    expect(inputs.filter((f) => /^agent\/(daemon|up)\/|claude-agent-sdk|wrangler|miniflare/.test(f))).toEqual([]);
    const outside = Object.values(r.metafile?.inputs ?? {}).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
    expect(
      outside.filter(
        (p) => !p.startsWith("node:") && !/^(fs|path|events|child_process|process|os|crypto|util|url|tty|stream|net|http|https|zlib|buffer|assert)$/.test(p),
      ),
    ).toEqual([]);
  });
});
