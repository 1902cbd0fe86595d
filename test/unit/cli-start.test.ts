/**
 * What a `tower` start loads, run as a user runs it (agent/bin/tower.mjs in a child process) against a
 * small HTTP server on loopback. Start-up time itself is measured by `npm run bench -- cli`; this holds
 * the mechanisms the figure depends on.
 */
import { spawn } from "node:child_process";
import { statSync, utimesSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summary } from "./cli-fixtures";

// Prints, at exit, which of Node's own modules the process loaded, and how many directories it listed.
const REPORT = `data:text/javascript,${encodeURIComponent(`
  import fs from "node:fs";
  import { syncBuiltinESMExports } from "node:module";
  let listed = 0;
  const readdirSync = fs.readdirSync;
  fs.readdirSync = (...a) => (listed++, readdirSync(...a));
  syncBuiltinESMExports();
  process.on("exit", () => process.stderr.write("\\nLOADED " + JSON.stringify({ modules: process.moduleLoadList, listed }) + "\\n"));
`)}`;

let server: Server;
let url = "";
const seen: { method?: string; url?: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/broken/")) return void res.end(JSON.stringify({ sessions: "none", nextCursor: null }));
    res.end(
      JSON.stringify(
        req.url?.startsWith("/api/sessions") ? { sessions: [summary()], nextCursor: null } : { error: { code: "NOT_FOUND", message: "no", requestId: "r" } },
      ),
    );
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

function tower(args: string[], base = url): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[]; listed: number }> {
  const child = spawn(process.execPath, ["--import", REPORT, "agent/bin/tower.mjs", ...args], {
    env: { ...process.env, TOWER_URL: base, TOWER_TOKEN: "tower_test", TOWER_CONFIG: "/nonexistent/config.json", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += String(c)));
  child.stderr.on("data", (c) => (stderr += String(c)));
  return new Promise((resolve) =>
    child.once("close", (code) => {
      const m = /\nLOADED (.*)\n/.exec(stderr);
      const report = JSON.parse(m?.[1] ?? '{"modules":[],"listed":-1}') as { modules: string[]; listed: number };
      resolve({ code, stdout, stderr, loaded: report.modules, listed: report.listed });
    }),
  );
}

describe("happy", () => {
  it("lists sessions over node:http without loading Node's fetch (undici), whose set-up costs more than the command", async () => {
    const r = await tower(["ls"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(summary().id);
    expect(seen.at(-1)).toEqual({ method: "GET", url: "/api/sessions?archived=false", authorization: "Bearer tower_test" });
    expect(r.loaded.length).toBeGreaterThan(10);
    expect(r.loaded.filter((m) => /undici/.test(m))).toEqual([]);
  }, 60_000);
});

describe("the bundle", () => {
  const bundle = join("dist", "cli", "tower.mjs");

  it("starts from a fresh bundle without listing a directory: it checks the files the bundle was built from", async () => {
    expect((await tower(["--help"])).code).toBe(0); // builds it if a source changed
    const r = await tower(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: tower");
    expect(r.listed).toBe(0);
  }, 60_000);

  it("is rebuilt when a file it bundles is newer than it", async () => {
    expect((await tower(["--help"])).code).toBe(0);
    const old = new Date("2001-01-01T00:00:00Z");
    utimesSync(bundle, old, old);
    expect(statSync("agent/cli/program.ts").mtimeMs).toBeGreaterThan(old.getTime());
    const r = await tower(["--help"]);
    expect(r.code).toBe(0);
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(old.getTime());
  }, 60_000);
});

describe("errors", () => {
  it("words a response that fails its schema in zod's English (the only locale the bundle carries)", async () => {
    const r = await tower(["ls"], `${url}/broken`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Unexpected response from /broken/api/sessions: Invalid input: expected array, received string");
  }, 60_000);
});
