/**
 * Entry of the `tower` start-up snapshot (dist/cli/tower.blob), which agent/bin/tower starts node from.
 * agent/bin/cli-build.mjs builds it with `node --build-snapshot`, which runs this file: it runs
 * `tower --help` and `tower ls` once against a stand-in server, so a start deserializes a heap with
 * commander, zod and the session schemas already evaluated instead of reading, compiling and running
 * them. A start hands over to the JS launcher (agent/bin/tower.mjs, which rebuilds what is stale) when
 * a source is newer than the snapshot, or when the command runs outside it (`agent`, `up`).
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startupSnapshot } from "node:v8";
import type { CliContext } from "./context";
import { COMMANDS, commandEntry, runCli } from "./program";
import { projectRoot } from "./snapshot-root";

/** The project's files the snapshot was bundled from and when (set by cli-build.mjs; kept in the heap). */
const SOURCES = JSON.parse(process.env.TOWER_SNAPSHOT_SOURCES ?? '{"at":0,"files":[]}') as { at: number; files: string[] };

const outsideNames = COMMANDS.filter((c) => c.snapshot === false).map((c) => c.term.split(" ")[0] ?? "");

function stale(root: string): boolean {
  try {
    return SOURCES.files.length === 0 || SOURCES.files.some((f) => statSync(join(root, f)).mtimeMs > SOURCES.at);
  } catch {
    return true;
  }
}

/** Runs the JS launcher in this process, as if node had started it: require() of an ES module without top-level await. */
function handOver(root: string): void {
  const launcher = join(root, "agent", "bin", "tower.mjs");
  process.argv[1] = launcher;
  createRequire(launcher)(launcher);
}

async function start(): Promise<void> {
  const root = projectRoot();
  // A snapshot's argv has no script: [node, ...args]. The launcher's place keeps `argv.slice(2)` the args.
  process.argv.splice(1, 0, join(root, "agent", "bin", "tower.mjs"));
  const args = process.argv.slice(2);
  // Which command argv names is asked of commander only when a word of it could name one that runs outside.
  const outside = async () => outsideNames.some((n) => args.includes(n)) && (await commandEntry(args))?.snapshot === false;
  if (stale(root) || (await outside())) return handOver(root);
  process.exitCode = await runCli(args);
}

/** A context that touches neither the terminal nor the network: what the build-time runs print goes nowhere. */
function standIn(): CliContext {
  const page = JSON.stringify({ sessions: [], nextCursor: null });
  return {
    io: { out() {}, err() {}, color: false, errColor: false },
    env: { TOWER_URL: "http://127.0.0.1:9", TOWER_TOKEN: "tower_snapshot", TOWER_CONFIG: "/nonexistent/config.json" },
    homeDir: "/nonexistent",
    cwd: "/",
    now: () => 0,
    fetch: async (url) => ({ ok: true, status: 200, url: String(url), text: async () => (String(url).includes("/api/sessions") ? page : "{}") }),
    onInterrupt: () => () => {},
    exitCode: 0,
  };
}

if (!startupSnapshot.isBuildingSnapshot()) throw new Error("agent/cli/snapshot.ts is the start-up snapshot's entry: build it with agent/bin/cli-build.mjs");
// The builder runs the event loop out before it writes the heap, so these runs end inside it.
void (async () => {
  await runCli(["--help"], { ctx: standIn() });
  await runCli(["ls"], { ctx: standIn() });
})();
startupSnapshot.setDeserializeMainFunction(() => {
  // The `tower watch … | head` case as main.ts: a closed pipe is the reader's choice.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  void start();
});
