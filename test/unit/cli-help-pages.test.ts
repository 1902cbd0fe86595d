/**
 * `tower --help`, `tower <command> --help` and `tower --version` are printed by the sh launcher
 * (agent/bin/tower) from pages rendered at build time (agent/cli/help-pages.ts), without starting node,
 * while no source is newer than them: each page must be exactly what commander prints for that line.
 */
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs module beside the launcher, without types
import { writeHelpPages, writeSources } from "../../agent/bin/cli-build.mjs";
import type { CliContext } from "../../agent/cli/context";
import { VERSION_PAGE, helpPages } from "../../agent/cli/help-pages";
import { runCli } from "../../agent/cli/program";

/** What `tower <argv>` prints in surroundings unlike the ones the pages were rendered in. */
async function commander(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const home = mkdtempSync(join(tmpdir(), "tower-help-home-"));
  const ctx: CliContext = {
    io: { out: (t) => void (out.stdout += t), err: (t) => void (out.stderr += t), color: false, errColor: false },
    env: { TOWER_URL: "http://127.0.0.1:9", TOWER_TOKEN: "tower_x", TOWER_CONFIG: join(home, "config.json") },
    homeDir: home,
    cwd: home,
    now: () => 1_800_000_000_000,
    fetch: () => Promise.reject(new Error("no request expected")),
    onInterrupt: () => () => {},
    exitCode: 0,
  };
  return { code: await runCli(argv, { ctx }), ...out };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += String(c)));
  child.stderr.on("data", (c) => (stderr += String(c)));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

let pages = new Map<string, string>();
beforeAll(async () => {
  pages = await helpPages();
}, 60_000);

describe("the pages (agent/cli/help-pages.ts)", () => {
  it("has one for tower, every command and subcommand, and the version", () => {
    expect([...pages.keys()]).toEqual(expect.arrayContaining(["tower", "tower ls", "tower template ls", "tower agent", "tower up", VERSION_PAGE]));
    expect(pages.get(VERSION_PAGE)).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("equals what commander prints for each command line, in other surroundings and on a terminal of any width", async () => {
    const tty = { isTTY: process.stdout.isTTY, columns: process.stdout.columns };
    for (const [name, page] of pages) {
      const argv = name === VERSION_PAGE ? ["--version"] : [...name.split(" ").slice(1), "--help"];
      expect(await commander(argv), name).toEqual({ code: 0, stdout: page, stderr: "" });
    }
    // A wide terminal: commander would wrap at its width, had the program not fixed it (HELP_WIDTH).
    Object.assign(process.stdout, { isTTY: true, columns: 200 });
    try {
      expect((await commander(["ls", "--help"])).stdout).toBe(pages.get("tower ls"));
    } finally {
      Object.assign(process.stdout, tty);
    }
  }, 60_000);
});

describe("the launcher (agent/bin/tower) prints them without node", () => {
  // A project of its own: the real launcher, the pages, and a stand-in JS launcher that says when it ran.
  const dir = mkdtempSync(join(tmpdir(), "tower-help-"));
  const bin = join(dir, "agent", "bin");
  const source = join(dir, "agent", "cli", "program.ts");
  const js = (args: string[]) => `js ${JSON.stringify(args)}\n`;
  const fresh = () => writeSources(dir, ["agent/cli/program.ts"], Date.now());
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    mkdirSync(join(dir, "agent", "cli"), { recursive: true });
    copyFileSync("agent/bin/tower", join(bin, "tower"));
    chmodSync(join(bin, "tower"), 0o755);
    writeFileSync(join(bin, "tower.mjs"), 'console.log("js " + JSON.stringify(process.argv.slice(2)));\n');
    writeFileSync(source, "// a source\n");
    const old = new Date("2001-01-01T00:00:00Z");
    utimesSync(source, old, old);
    writeHelpPages(dir, pages);
    fresh();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints each page for every command line commander answers with it, as commander prints it", async () => {
    for (const name of pages.keys()) {
      const path = name === VERSION_PAGE ? [] : name.split(" ").slice(1);
      const lines =
        name === VERSION_PAGE
          ? [["--version"], ["-V"]]
          : [[...path, "--help"], [...path, "-h"], ...(path.length === 0 ? [["help"]] : path.length === 1 ? [["help", ...path]] : [])];
      for (const argv of lines) {
        const [sh, node] = await Promise.all([run(join(bin, "tower"), argv), commander(argv)]);
        expect({ argv, ...sh }).toEqual({ argv, code: 0, stdout: node.stdout, stderr: "" });
      }
    }
  }, 60_000);

  it("runs node for any other command line: a flag or a path among the words, an unknown command, a command", async () => {
    for (const argv of [
      ["ls"],
      ["ls", "--json", "--help"],
      ["--help", "ls"],
      ["nope", "--help"],
      ["../../etc", "--help"],
      ["-x", "--help"],
      ["help", "-h"],
      ["a", "b", "c", "--help"],
    ]) {
      expect(await run(join(bin, "tower"), argv)).toMatchObject({ code: 0, stdout: js(argv) });
    }
  });

  it("runs node when a source is newer than the pages, or when the list of sources is missing", async () => {
    const later = new Date(Date.now() + 5_000);
    utimesSync(source, later, later);
    expect(await run(join(bin, "tower"), ["--help"])).toMatchObject({ code: 0, stdout: js(["--help"]) });
    const old = new Date("2001-01-01T00:00:00Z");
    utimesSync(source, old, old);
    expect(await run(join(bin, "tower"), ["--help"])).toMatchObject({ code: 0, stdout: pages.get("tower") });
    rmSync(join(dir, "dist", "cli", "sources"));
    expect(await run(join(bin, "tower"), ["ls", "--help"])).toMatchObject({ code: 0, stdout: js(["ls", "--help"]) });
    fresh();
  });
});
