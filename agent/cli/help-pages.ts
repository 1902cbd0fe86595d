/**
 * `tower`'s help pages and version, rendered at build time from commander's own output by the bundle
 * itself (agent/bin/cli-build.mjs writes them to dist/cli/help/), so that agent/bin/tower prints
 * `tower --help`, `tower <command> --help` and `tower --version` without starting node. Each page is
 * what `runCli` prints for that command line, so the two cannot differ (test/unit/cli-help-pages.test.ts).
 */
import type { Command } from "commander";
import type { CliContext } from "./context";
import { buildProgram, runCli } from "./program";

/** The page printed for `--version`; every other page is named by its command path, `tower …`. */
export const VERSION_PAGE = "version";

/** Surroundings that read nothing of the machine: a page must not depend on where it was rendered. */
function pageContext(out: { text: string; failed: boolean }): CliContext {
  return {
    io: { out: (t) => void (out.text += t), err: () => void (out.failed = true), color: false, errColor: false },
    env: {},
    homeDir: "/nonexistent",
    cwd: "/",
    now: () => 0,
    fetch: () => Promise.reject(new Error("a help page sends no request")),
    onInterrupt: () => () => {},
    exitCode: 0,
  };
}

/** What `tower <argv>` prints on stdout, or undefined when it writes to stderr or exits non-zero. */
async function printed(argv: string[]): Promise<string | undefined> {
  const out = { text: "", failed: false };
  const code = await runCli(argv, { ctx: pageContext(out) });
  return code === 0 && !out.failed ? out.text : undefined;
}

/** Every command path of the program: [], ["ls"], ["template", "ls"], … */
function paths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((c) => paths(c, [...prefix, c.name()]))];
}

/** The pages by name: `tower`, `tower ls`, `tower template ls`, …, and `version`. */
export async function helpPages(): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  const out = { text: "", failed: false };
  for (const path of paths(await buildProgram([], pageContext(out)))) {
    const text = await printed([...path, "--help"]);
    if (text !== undefined) pages.set(["tower", ...path].join(" "), text);
  }
  const version = await printed(["--version"]);
  if (version !== undefined) pages.set(VERSION_PAGE, version);
  return pages;
}
