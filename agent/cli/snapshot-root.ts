/**
 * Where a start from the `tower` start-up snapshot finds its project (snapshot.ts): the root holds
 * dist/cli/tower.blob, the file node was started from. Apart from the snapshot's entry, because the
 * packages the snapshot leaves outside (ws) are required through here (agent/bin/cli-build.mjs).
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/** The project root of the running blob: `--snapshot-blob <root>/dist/cli/tower.blob`. */
export function projectRoot(): string {
  const i = process.execArgv.indexOf("--snapshot-blob");
  const blob = i >= 0 ? process.execArgv[i + 1] : process.execArgv.find((a) => a.startsWith("--snapshot-blob="))?.slice("--snapshot-blob=".length);
  return resolve(blob ?? "dist/cli/tower.blob", "..", "..", "..");
}

/** `require` from the project: a snapshot's own `require` reaches Node's built-in modules only. */
export function projectRequire(id: string): unknown {
  return createRequire(join(projectRoot(), "package.json"))(id);
}
