/**
 * `npm run bench -- cli`: how long the `tower` command takes from spawn to exit, for `tower --help`
 * (no request) and `tower ls` (one request to Tower on loopback), each beside `node -e 0` measured in
 * the same run and interleaved with it, so the machine's load shows in the floor as well. `tower ls`
 * also stands beside a bare `fetch` of /api/health: Node's fetch (undici) costs its set-up at first use.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../agent/up/local-server";
import { stats, type BenchCtx, type Stats } from "./lib";

export interface CliFigures {
  node: Stats;
  /** `node -e "await fetch(…/api/health)"`: the floor for a command that makes one request. */
  fetch: Stats;
  help: Stats;
  ls: Stats;
}

const TOWER = join(PROJECT_ROOT, "agent", "bin", "tower.mjs");

/** Wall time of one process from spawn to exit; a failing command fails the bench. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c) => (err += String(c)));
    child.once("exit", (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(" ")} exited ${code}: ${err}`))));
  });
}

export async function cliStartup(ctx: BenchCtx, n = 30): Promise<CliFigures> {
  const env = { ...process.env, TOWER_URL: ctx.url, TOWER_TOKEN: ctx.adminToken, NO_COLOR: "1" };
  // The first start builds the bundle when a source changed: not what a user waits for each time.
  await timed([TOWER, "--help"], env);
  await timed([TOWER, "ls"], env);
  const bareFetch = ["--input-type=module", "-e", `const r = await fetch(${JSON.stringify(`${ctx.url}/api/health`)}); await r.text();`];
  const node: number[] = [];
  const fetched: number[] = [];
  const help: number[] = [];
  const ls: number[] = [];
  for (let i = 0; i < n; i++) {
    node.push(await timed(["-e", "0"], env));
    fetched.push(await timed(bareFetch, env));
    help.push(await timed([TOWER, "--help"], env));
    ls.push(await timed([TOWER, "ls"], env));
  }
  return { node: stats(node), fetch: stats(fetched), help: stats(help), ls: stats(ls) };
}
