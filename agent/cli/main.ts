/**
 * Entry of the `tower` command, bundled and loaded by agent/bin/tower.mjs. It only runs the program;
 * everything testable lives in program.ts. The exit code is set rather than forced, so a long-running
 * command (`tower agent`) is never cut short, and finished commands leave nothing open.
 */
import { runCli } from "./program";

// `tower watch … | head` closes the pipe early; that is the reader's choice, not a crash.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

// Not a top-level await: the start-up snapshot hands a command over by require()-ing this bundle, and
// require() of an ES module takes only one without a top-level await.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
