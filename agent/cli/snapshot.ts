/**
 * Entry of the `tower` start-up snapshot (dist/cli/tower.blob), which agent/bin/tower starts node from.
 * agent/bin/cli-build.mjs builds it with `node --build-snapshot`, which runs this file: it runs
 * `tower --help` and `tower ls` once against a stand-in server, so a start deserializes a heap with
 * commander, zod and the session schemas already evaluated instead of reading, compiling and running
 * them. agent/bin/tower starts it only while no source is newer (dist/cli/sources); a command that runs
 * outside it (`agent`, `up`) is handed over to the JS launcher (agent/bin/tower.mjs).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { startupSnapshot } from "node:v8";
import type { SessionSummary } from "../../worker/protocol/session";
import type { CliContext } from "./context";
import { COMMANDS, commandEntry, runCli } from "./program";
import { projectRoot } from "./snapshot-root";

const outsideNames = COMMANDS.filter((c) => c.snapshot === false).map((c) => c.term.split(" ")[0] ?? "");

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
  if (await outside()) return handOver(root);
  process.exitCode = await runCli(args);
}

/**
 * A listed session, so the build-time `tower ls` parses and prints a row: zod compiles a schema's
 * parser at its first object (for a session, about 8 ms of every start), and the heap keeps it compiled.
 */
const SESSION: SessionSummary = {
  ...({ id: "ses_0k3abcdefghij1234567", workspaceId: "wsp_0k3abcdefghij1234567", agentId: "agt_0k3abcdefghij1234567" } as Pick<
    SessionSummary,
    "id" | "workspaceId" | "agentId"
  >),
  agentName: "laptop",
  ownerId: "usr_0k3abcdefghij1234567",
  title: "Write hello.txt",
  prompt: "Write hello.txt with the word hello",
  cwd: "/home/dev/proj",
  model: null,
  status: "running",
  statusReason: "Claude Code is working",
  archived: false,
  parentSessionId: null,
  claudeSessionId: "af84acb2-0f10-4e42-9bff-e5b877fbffbb",
  messageCount: 7,
  toolCallCount: 3,
  pendingApprovals: 1,
  costUsd: 0.0123,
  inputTokens: 10_000,
  outputTokens: 2_300,
  numTurns: 2,
  lastSeq: 9,
  result: null,
  createdAt: 0,
  updatedAt: 0,
  endedAt: null,
  templateId: null,
  templateVersion: null,
  templateParams: null,
  pipelineRunId: null,
  pipelineStepId: null,
};

/** A context that touches neither the terminal nor the network: what the build-time runs print goes nowhere. */
function standIn(): CliContext {
  const page = JSON.stringify({ sessions: [SESSION], nextCursor: null });
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
// A run that fails would leave its path cold, silently: the build fails instead.
void (async () => {
  for (const argv of [["--help"], ["ls"]]) {
    const code = await runCli(argv, { ctx: standIn() });
    if (code !== 0) throw new Error(`the start-up snapshot's \`tower ${argv.join(" ")}\` exited ${code}`);
  }
})();
startupSnapshot.setDeserializeMainFunction(() => {
  // The `tower watch … | head` case as main.ts: a closed pipe is the reader's choice.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  void start();
});
