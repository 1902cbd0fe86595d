/**
 * The `tower` CLI runs on a developer's machine from an esbuild bundle (agent/bin/tower.mjs): it must
 * not need a TypeScript loader, React, or any Worker runtime package there, whatever agent/ imports.
 */
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("happy", () => {
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
    expect(ours.filter((f) => !/^worker\/(client\.ts|client-live\.ts|protocol\/|domain\/)/.test(f))).toEqual([]);
  });

  it("starts the CLI without a TypeScript loader", () => {
    expect(readFileSync("agent/bin/tower.mjs", "utf8")).not.toMatch(/(from\s+|import\(\s*)["']tsx/);
  });
});
