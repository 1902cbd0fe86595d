/**
 * The dependency rule of ../shared/STYLE.md §1, checked by reading every import: the layers read
 * top-down (entry → routes → Durable Objects → db/domain → protocol), and code that ships to a
 * browser or a developer's machine never pulls in Worker runtime code.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

type Edge = { from: string; to: string; typeOnly: boolean };

const ROOTS = ["worker", "party", "agent", "web/src"];
const SOURCE = /\.(ts|tsx|mts|mjs)$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : files(path);
    return SOURCE.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

// Static `import … from`, `export … from`, side-effect `import "x"` and dynamic `import("x")`.
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^"'`;]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Imports of `source`, relative ones resolved to repo paths without extension (`worker/protocol/ids`). */
function importsOf(path: string, source: string): Edge[] {
  const edges: Edge[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4] ?? "";
    const to = spec.startsWith(".") ? normalize(join(dirname(path), spec)).replace(/\.(ts|tsx|mts|mjs|js)$/, "") : spec;
    edges.push({ from: path, to, typeOnly: Boolean(m[2]) });
  }
  return edges;
}

const edges = ROOTS.flatMap(files).flatMap((f) => importsOf(f, readFileSync(f, "utf8")));
const under = (prefix: string) => (p: string) => p === prefix || p.startsWith(`${prefix}/`);
const isPackage = (to: string) => !to.includes("/") || !/^(worker|party|agent|web|test)\//.test(to);

/** Every edge from `from` that breaks the rule, as "file → import" lines (so a failure names them). */
function violations(from: (p: string) => boolean, forbidden: (e: Edge) => boolean): string[] {
  return edges.filter((e) => from(e.from) && forbidden(e)).map((e) => `${e.from} → ${e.to}`);
}

const RUNTIME = /^(hono|drizzle-orm|partyserver|partysocket|cloudflare:|node:|ws$|react)/;

describe("happy", () => {
  it("finds the imports it checks (the scanner sees every root)", () => {
    for (const root of ROOTS) expect(edges.some((e) => under(root)(e.from))).toBe(true);
    expect(importsOf("party/x.ts", 'import type { A } from "../worker/protocol/ids";\nexport { B } from "./b";')).toEqual([
      { from: "party/x.ts", to: "worker/protocol/ids", typeOnly: true },
      { from: "party/x.ts", to: "party/b", typeOnly: false },
    ]);
  });

  it("worker/protocol imports only zod and itself", () => {
    expect(violations(under("worker/protocol"), (e) => !(e.to === "zod" || under("worker/protocol")(e.to)))).toEqual([]);
  });

  it("domain rules and room reducers import nothing runtime-specific", () => {
    const pure = (p: string) => under("worker/domain")(p) || under("party/core")(p);
    // Pure-JS packages with no I/O and no runtime globals: the Bash parser and the glob compiler of the
    // rule engine, and the YAML editor that appends an "always allow" rule to a set's text.
    const PURE_PACKAGES = new Set(["zod", "unbash", "picomatch/posix", "yaml"]);
    const allowed = (to: string) => PURE_PACKAGES.has(to) || under("worker/protocol")(to) || under("worker/domain")(to) || under("party/core")(to);
    expect(violations(pure, (e) => !allowed(e.to))).toEqual([]);
  });

  it("only worker/db imports drizzle-orm", () => {
    expect(
      violations(
        (p) => !under("worker/db")(p),
        (e) => under("drizzle-orm")(e.to) && !e.typeOnly,
      ),
    ).toEqual([]);
  });

  it("worker/ never imports party/, except the entry re-exporting the Durable Object classes", () => {
    expect(
      violations(
        (p) => under("worker")(p) && p !== "worker/index.ts",
        (e) => under("party")(e.to),
      ),
    ).toEqual([]);
  });

  it("party/ never imports the Worker's HTTP layer or entry", () => {
    const http = (to: string) => ["worker/index", "worker/app", "worker/client", "worker/http"].includes(to) || under("worker/routes")(to);
    expect(violations(under("party"), (e) => http(e.to))).toEqual([]);
  });

  it("web/ imports of ours are worker/client.ts and worker/protocol only", () => {
    const ours = (to: string) => !isPackage(to) && !under("web")(to);
    expect(violations(under("web/src"), (e) => ours(e.to) && !(e.to === "worker/client" || under("worker/protocol")(e.to)))).toEqual([]);
  });

  it("agent/ imports of ours are worker/client.ts, worker/protocol and the pure rule engine only, and no React or Worker runtime", () => {
    const ours = (to: string) => !isPackage(to) && !under("agent")(to);
    // The rule engine and its YAML reader are pure: the agent enforces its owner's local deny policy with them.
    const shared = (to: string) => to === "worker/client" || under("worker/protocol")(to) || under("worker/domain/rules")(to) || to === "worker/pipelines/yaml";
    expect(violations(under("agent"), (e) => ours(e.to) && !shared(e.to))).toEqual([]);
    expect(violations(under("agent"), (e) => !e.typeOnly && /^(react|partyserver|cloudflare:|drizzle-orm)/.test(e.to))).toEqual([]);
  });

  it("worker/client.ts, shared with the browser and the CLI, imports only types of the Worker (and pure rules)", () => {
    const client = (p: string) => /^worker\/client(-live|-rpc)?(\.ts)?$/.test(p);
    const shared = (to: string) => isPackage(to) || client(to) || under("worker/protocol")(to) || under("worker/domain")(to);
    expect(violations(client, (e) => !e.typeOnly && !shared(e.to))).toEqual([]);
    expect(violations(client, (e) => RUNTIME.test(e.to) && !/^(hono\/client|partysocket)/.test(e.to) && !e.typeOnly)).toEqual([]);
  });
});
