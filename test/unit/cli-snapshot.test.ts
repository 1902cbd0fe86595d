/**
 * The `tower` start-up snapshot and its launcher: agent/bin/tower (sh) starts node from
 * dist/cli/tower.blob only when that blob was built by this very node, and otherwise runs the JS
 * launcher; the real snapshot runs commands as the bundle does and hands `agent`/`up` over to it.
 * Start-up time itself is measured by `npm run bench -- cli`.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs module beside the launcher, without types
import { buildSnapshot, writeSources } from "../../agent/bin/cli-build.mjs";
import { summary } from "./cli-fixtures";

const NODE = realpathSync(process.execPath);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += String(c)));
  child.stderr.on("data", (c) => (stderr += String(c)));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

describe("the launcher (agent/bin/tower)", () => {
  // A project of its own: the real launcher beside a stand-in JS launcher, so each case sees which ran.
  const dir = mkdtempSync(join(tmpdir(), "tower-launcher-"));
  const bin = join(dir, "agent", "bin");
  const blob = join(dir, "dist", "cli", "tower.blob");
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    mkdirSync(join(dir, "dist", "cli"), { recursive: true });
    copyFileSync("agent/bin/tower", join(bin, "tower"));
    chmodSync(join(bin, "tower"), 0o755);
    writeFileSync(join(bin, "tower.mjs"), 'console.log("js " + JSON.stringify(process.argv.slice(2)));\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the JS launcher when there is no snapshot", async () => {
    rmSync(blob, { force: true });
    const r = await run(join(bin, "tower"), ["ls", "--json"]);
    expect(r).toMatchObject({ code: 0, stdout: 'js ["ls","--json"]\n' });
  });

  it("runs the JS launcher when the snapshot was not built by this node, whose blob would not load (or crash it)", async () => {
    writeFileSync(blob, "not a snapshot");
    const other = new Date("2001-01-01T00:00:00Z");
    utimesSync(blob, other, other);
    const r = await run(join(bin, "tower"), ["--help"]);
    expect(r).toMatchObject({ code: 0, stdout: 'js ["--help"]\n' });
  });

  it("starts node from a snapshot stamped with this node's mtime, with every argument as given, also through npm's symlink", async () => {
    writeSources(dir, [], Date.now());
    const script = join(dir, "snap.js");
    writeFileSync(
      script,
      'require("node:v8").startupSnapshot.setDeserializeMainFunction(() => console.log("snapshot " + JSON.stringify(process.argv.slice(1))));\n',
    );
    expect(spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script]).status).toBe(0);
    expect(spawnSync("touch", ["-r", NODE, blob]).status).toBe(0);
    const args = ["--help", "a b", "", "--snapshot-blob", "x"];
    expect(await run(join(bin, "tower"), args)).toMatchObject({ code: 0, stdout: `snapshot ${JSON.stringify(args)}\n` });
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync("../../agent/bin/tower", join(dir, "node_modules", ".bin", "tower"));
    expect(await run(join(dir, "node_modules", ".bin", "tower"), ["ls"])).toMatchObject({ code: 0, stdout: 'snapshot ["ls"]\n' });
  }, 30_000);

  it("runs the JS launcher, which rebuilds, when a file the snapshot was built from is newer than it, or the list of those files is missing", async () => {
    // The blob of the test above, stamped with this node: only the sources list decides.
    const source = join(dir, "agent", "cli", "program.ts");
    mkdirSync(join(dir, "agent", "cli"), { recursive: true });
    writeFileSync(source, "// a source\n");
    writeSources(dir, ["agent/cli/program.ts"], Date.now() - 60_000);
    expect(await run(join(bin, "tower"), ["ls"])).toMatchObject({ code: 0, stdout: 'js ["ls"]\n' });
    writeSources(dir, ["agent/cli/program.ts"], Date.now() + 60_000);
    expect(await run(join(bin, "tower"), ["ls"])).toMatchObject({ code: 0, stdout: 'snapshot ["ls"]\n' });
    rmSync(join(dir, "dist", "cli", "sources"));
    expect(await run(join(bin, "tower"), ["ls"])).toMatchObject({ code: 0, stdout: 'js ["ls"]\n' });
  }, 30_000);
});

describe("the snapshot (dist/cli/tower.blob)", () => {
  let server: Server;
  let url = "";
  let blob = "";
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ sessions: [summary()], nextCursor: null }));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The bundle first (the JS launcher builds it when stale), then the snapshot, as `npm ci`'s prepare does.
    expect((await run(process.execPath, ["agent/bin/tower.mjs", "--help"])).code).toBe(0);
    blob = await buildSnapshot(process.cwd());
  }, 120_000);
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const env = () => ({ TOWER_URL: url, TOWER_TOKEN: "tower_test", TOWER_CONFIG: "/nonexistent/config.json" });

  it("is stamped with the mtime of the node that built it", () => {
    expect(spawnSync("sh", ["-c", `[ "${NODE}" -nt "${blob}" ] || [ "${NODE}" -ot "${blob}" ] || echo same`], { encoding: "utf8" }).stdout).toBe("same\n");
  });

  it("prints the help the bundle prints", async () => {
    const fromSnapshot = await run(process.execPath, ["--snapshot-blob", blob, "--", "--help"], env());
    const fromBundle = await run(process.execPath, ["agent/bin/tower.mjs", "--help"], env());
    expect(fromSnapshot.code, fromSnapshot.stderr).toBe(0);
    expect(fromSnapshot.stdout).toContain("Usage: tower");
    expect(fromSnapshot.stdout).toBe(fromBundle.stdout);
  }, 30_000);

  it("lists sessions over node:http, and reports a bad command as the bundle does", async () => {
    const ls = await run(process.execPath, ["--snapshot-blob", blob, "--", "ls"], env());
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(summary().id);
    const bad = await run(process.execPath, ["--snapshot-blob", blob, "--", "show", "nope"], env());
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain("must be a ses_ id");
  }, 30_000);

  it("hands `tower agent` over to the ES module bundle, which loads what the snapshot leaves out", async () => {
    const r = await run(process.execPath, ["--snapshot-blob", blob, "--", "agent", "--help"], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Usage: tower agent");
  }, 30_000);

  it("is left for the JS launcher by the real bin when a source is newer than it, and the bundle is rebuilt before the command runs", async () => {
    const bundle = join("dist", "cli", "tower.mjs");
    const source = "agent/cli/snapshot-root.ts";
    const before = statSync(bundle).mtimeMs;
    const was = statSync(source);
    const later = new Date(Date.now() + 1000);
    utimesSync(source, later, later);
    try {
      const r = await run("agent/bin/tower", ["ls"], env());
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(summary().id);
      expect(statSync(bundle).mtimeMs).toBeGreaterThan(before);
    } finally {
      utimesSync(source, was.atime, was.mtime);
    }
  }, 60_000);
});
