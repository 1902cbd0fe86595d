/**
 * `npm run bench -- cli`: how long the `tower` command takes from spawn to exit, for `tower --help`
 * (no request) and `tower ls` (one request to Tower on loopback), each beside `node -e 0` measured in
 * the same run and interleaved with it, so the machine's load shows in the floor as well. `tower` runs
 * as a user runs it (the bin, agent/bin/tower, from its start-up snapshot), beside the JS launcher it
 * falls back to and node started from an empty snapshot (what any snapshot costs to load). `tower ls`
 * also stands beside bare requests over node:http from `node -e`: to /api/health without a token (the
 * floor for one request), and the very request `tower ls` sends (the token checked, the sessions read):
 * what `tower ls` costs over that one is the CLI's own.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../agent/up/local-server";
import { stats, type BenchCtx, type Stats } from "./lib";

export interface CliFigures {
  node: Stats;
  /** `node --snapshot-blob <empty>`: node started from a snapshot holding nothing of ours. */
  emptySnapshot: Stats;
  /** A GET of /api/health over node:http from `node -e`, without a token: the floor for a command that makes one request. */
  fetch: Stats;
  /** `tower ls`'s own request (GET /api/sessions?archived=false with the token) from `node -e`: what the server adds to the floor. */
  fetchLs: Stats;
  help: Stats;
  ls: Stats;
  /** The JS launcher (agent/bin/tower.mjs), which runs when there is no snapshot for this node. */
  helpWithoutSnapshot: Stats;
  lsWithoutSnapshot: Stats;
}

const TOWER = join(PROJECT_ROOT, "agent", "bin", "tower");
const TOWER_JS = join(PROJECT_ROOT, "agent", "bin", "tower.mjs");

/** Wall time of one process from spawn to exit; a failing command fails the bench. */
function timed(args: string[], env: NodeJS.ProcessEnv, command = process.execPath): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c) => (err += String(c)));
    child.once("exit", (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(" ")} exited ${code}: ${err}`))));
  });
}

export async function cliStartup(ctx: BenchCtx, n = 30): Promise<CliFigures> {
  const env = { ...process.env, TOWER_URL: ctx.url, TOWER_TOKEN: ctx.adminToken, NO_COLOR: "1" };
  // What `npm ci` does (prepare): the bundle and the snapshot, so no run below waits on a build.
  const built = spawnSync(process.execPath, [join(PROJECT_ROOT, "agent", "bin", "cli-build.mjs")], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`building the CLI failed: ${built.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "tower-bench-cli-"));
  writeFileSync(join(dir, "empty.js"), 'require("node:v8").startupSnapshot.setDeserializeMainFunction(() => {});\n');
  await timed(["--snapshot-blob", join(dir, "empty.blob"), "--build-snapshot", join(dir, "empty.js")], env);
  // A listing, as a user's `tower ls` shows: with no session at all it asks /api/me too, for its hint.
  if ((await ctx.client.listSessions({ limit: 1 })).sessions.length === 0) await ctx.client.createSession({ prompt: "bench cli session", cwd: "/tmp" });
  await timed(["--help"], env, TOWER);
  await timed(["ls"], env, TOWER);
  const bareRequest = ["-e", `require("node:http").get(${JSON.stringify(`${ctx.url}/api/health`)}, (r) => r.resume())`];
  const lsRequest = [
    "-e",
    `require("node:http").get(${JSON.stringify(`${ctx.url}/api/sessions?archived=false`)}, { headers: { authorization: ${JSON.stringify(`Bearer ${ctx.adminToken}`)} } }, (r) => r.resume())`,
  ];
  const runs: Record<keyof CliFigures, number[]> = {
    node: [],
    emptySnapshot: [],
    fetch: [],
    fetchLs: [],
    help: [],
    ls: [],
    helpWithoutSnapshot: [],
    lsWithoutSnapshot: [],
  };
  for (let i = 0; i < n; i++) {
    runs.node.push(await timed(["-e", "0"], env));
    runs.emptySnapshot.push(await timed(["--snapshot-blob", join(dir, "empty.blob")], env));
    runs.fetch.push(await timed(bareRequest, env));
    runs.fetchLs.push(await timed(lsRequest, env));
    runs.help.push(await timed(["--help"], env, TOWER));
    runs.ls.push(await timed(["ls"], env, TOWER));
    runs.helpWithoutSnapshot.push(await timed([TOWER_JS, "--help"], env));
    runs.lsWithoutSnapshot.push(await timed([TOWER_JS, "ls"], env));
  }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, stats(v)])) as unknown as CliFigures;
}
