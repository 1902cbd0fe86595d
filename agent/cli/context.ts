/**
 * The process surroundings a `tower` command runs in (CliContext) and its Io. Kept apart from
 * config.ts and output.ts, which need zod and the typed client: `tower` builds its command list from
 * this alone, so a start parses neither until the command the line names loads them.
 */
import { homedir } from "node:os";
import { isatty } from "node:tty";
import type { Fetcher } from "../../worker/client";
import { httpFetch } from "./http-fetch";

export type Env = Record<string, string | undefined>;

/** Where output goes. `out`/`err` take raw text; callers add newlines. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** ANSI colour on stdout: only on a TTY with NO_COLOR unset. */
  color: boolean;
  errColor: boolean;
}

/** What a command may touch; tests pass their own. `exitCode` is what the run ends with. */
export interface CliContext {
  io: Io;
  env: Env;
  homeDir: string;
  cwd: string;
  now(): number;
  /** How requests are sent: node:http for a real `tower` (http-fetch.ts); tests answer in-process. */
  fetch?: Fetcher;
  /** Registers a Ctrl-C handler; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
  /** Asks a yes/no question on the terminal (default no); absent when stdin is not a TTY, so nothing can be asked. */
  confirm?: (question: string) => Promise<boolean>;
  exitCode: number;
}

/** A y/N question on the terminal: only `y` or `yes` is a yes. */
async function askTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function processIo(env: Env): Io {
  const colorOk = env.NO_COLOR === undefined;
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    color: colorOk && process.stdout.isTTY === true,
    errColor: colorOk && process.stderr.isTTY === true,
  };
}

export function processContext(): CliContext {
  const env = process.env;
  return {
    io: processIo(env),
    env,
    homeDir: homedir(),
    cwd: process.cwd(),
    now: () => Date.now(),
    fetch: httpFetch,
    onInterrupt(handler) {
      process.once("SIGINT", handler);
      return () => void process.off("SIGINT", handler);
    },
    // isatty, not process.stdin.isTTY: creating process.stdin loads Node's stream modules, a tenth of a start.
    ...(isatty(0) ? { confirm: askTerminal } : {}),
    exitCode: 0,
  };
}
