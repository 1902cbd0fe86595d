/**
 * Everything the `tower` CLI writes: the Io seam (stdout, stderr, whether to colour), JSON and NDJSON,
 * aligned tables, and the one error report with its exit code. Commands never touch `console` or
 * `process.exit`, so tests pass their own Io and read back both the text and the exit code.
 * IMPORTANT: the exit codes are a public contract (scripts branch on them); change them only on purpose.
 */
import { CommanderError } from "commander";
import { ApiError } from "../../worker/protocol/api-error";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { SessionStatus } from "../../worker/protocol/session";

export type { Io } from "./context";
export { processIo } from "./context";
import type { Io } from "./context";

export type Tone = "dim" | "bold" | "ok" | "warn" | "error" | "accent";
/** One line of human output; the tone is applied only when colour is on. */
export interface Line {
  text: string;
  tone?: Tone;
}

const ANSI: Record<Tone, [string, string]> = {
  dim: ["\x1b[2m", "\x1b[22m"],
  bold: ["\x1b[1m", "\x1b[22m"],
  ok: ["\x1b[32m", "\x1b[39m"],
  warn: ["\x1b[33m", "\x1b[39m"],
  error: ["\x1b[31m", "\x1b[39m"],
  accent: ["\x1b[36m", "\x1b[39m"],
};

export function paint(text: string, tone: Tone | undefined, on: boolean): string {
  if (!on || !tone) return text;
  const [open, close] = ANSI[tone];
  return `${open}${text}${close}`;
}

const visibleLength = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;

export function printLines(io: Io, lines: Line[]): void {
  for (const l of lines) io.out(`${paint(l.text, l.tone, io.color)}\n`);
}

/** One JSON document (pretty), for `--json` on commands that answer once. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** One JSON object per line, for streams (`watch --json`). */
export function printNdjson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}

/** Aligns cells into columns; `right` lists the columns that hold numbers. */
export function table(headers: string[], rows: string[][], right: number[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c)));
        return right.includes(i) ? pad + c : c + pad;
      })
      .join("  ")
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)];
}

/** A failure the CLI itself detects (bad flag, bad config, missing token), with how to fix it. */
export class CliError extends Error {
  constructor(
    readonly kind: ErrorCode | "USAGE",
    message: string,
    readonly fix: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, notFound: 4, conflict: 5, rateLimited: 6, sigint: 130 } as const;

export function exitCodeFor(kind: ErrorCode | "USAGE"): number {
  switch (kind) {
    case "USAGE":
    case "BAD_REQUEST":
      return EXIT.usage;
    case "UNAUTHORIZED":
    case "FORBIDDEN":
      return EXIT.auth;
    case "NOT_FOUND":
      return EXIT.notFound;
    case "CONFLICT":
    case "SESSION_CLOSED":
      return EXIT.conflict;
    case "RATE_LIMITED":
      return EXIT.rateLimited;
    case "INTERNAL":
      return EXIT.failed;
  }
}

/** The exit code for a session that has stopped, or null while it may still go on. */
export function exitCodeForEnd(status: SessionStatus): number | null {
  switch (status) {
    case "completed":
      return EXIT.ok;
    case "failed":
    case "interrupted":
      return EXIT.failed;
    case "waiting_for_input":
      return EXIT.conflict;
    default:
      return null;
  }
}

/** What the failed command was about, so a hint names its own list and its own ids. */
export type Subject = "session" | "approval" | "template" | "pipeline" | "agent" | "invitation" | "token" | "other";

/** The command that failed: its path (`template export`), its arguments, and what it was about. */
export interface Where {
  command: string;
  args: string[];
  subject: Subject;
}

const SUBJECT_OF: Record<string, Subject> = {
  show: "session",
  watch: "session",
  interrupt: "session",
  continue: "session",
  archive: "session",
  unarchive: "session",
  ls: "session",
  approve: "approval",
  deny: "approval",
  approvals: "approval",
  template: "template",
  pipeline: "pipeline",
  agents: "agent",
  invite: "invitation",
  join: "invitation",
  tokens: "token",
};

/** The subject of `command` (its first word); `tower launch` is about its template or its machine. */
export function subjectOf(command: string, opts: Record<string, unknown> = {}): Subject {
  const first = command.split(" ")[0] ?? "";
  if (first === "launch") return opts.template !== undefined ? "template" : "agent";
  return SUBJECT_OF[first] ?? "other";
}

const NOT_FOUND_FIX: Record<Subject, string> = {
  session: "check the id: `tower ls --all` lists sessions",
  approval: "check the id: `tower approvals` lists the pending approvals (a decided one is gone from it)",
  template: "check the name: `tower template ls` lists templates, `tower template versions NAME` their versions",
  pipeline: "check the id: `tower pipeline ls` lists runs",
  agent: "check the machine: `tower agents` lists the machines and whether they are online",
  invitation: "the invitation link is wrong or was revoked; ask an admin for a new one (`tower invite`)",
  token: "check the id: `tower tokens ls` lists your tokens",
  other: "check the id or name you gave",
};

const CONFLICT_FIX: Record<Subject, string> = {
  session: "it changed in the meantime; `tower show <session-id>` shows where it is now",
  approval: "it was decided or withdrawn in the meantime; `tower approvals` lists what still waits",
  template: "the template changed in the meantime; `tower template show NAME` shows the latest version",
  pipeline: "the run changed in the meantime; `tower pipeline show RUN` shows where it is now",
  agent: "the machine changed in the meantime; `tower agents` shows it now",
  invitation: "this invitation was already used, expired or was revoked; ask an admin for a new link (`tower invite`)",
  token: "the token changed in the meantime (revoked or rotated); `tower tokens ls` shows it now",
  other: "it changed in the meantime; look at it again and retry",
};

function apiFix(code: ErrorCode, where: Where | undefined): string {
  const subject = where?.subject ?? "other";
  switch (code) {
    case "BAD_REQUEST":
      return `correct the values named above; \`tower ${where?.command ?? "<command>"} --help\` describes every flag`;
    case "UNAUTHORIZED":
      return "use a valid token: `npm start` prints the admin token and writes ~/.config/tower/config.json; or pass --token / set TOWER_TOKEN";
    case "FORBIDDEN":
      return "use a token of this workspace that is allowed to do this (`tower tokens ls` shows your tokens' scopes)";
    case "NOT_FOUND":
      return NOT_FOUND_FIX[subject];
    case "CONFLICT":
      return CONFLICT_FIX[subject];
    case "SESSION_CLOSED":
      return "the session has stopped; `tower continue <session-id> <prompt>` sends a follow-up";
    case "RATE_LIMITED":
      return "wait a few seconds, then try again";
    case "INTERNAL":
      return "try again; if it keeps failing, look at the Tower server's log";
  }
}

/** A hint names the session the command was about, when it was given one. */
function fillIds(fix: string, where: Where | undefined): string {
  const session = where?.args.find((a) => /^ses_[0-9a-z]+$/i.test(a));
  return session ? fix.replaceAll("<session-id>", session) : fix;
}

/**
 * A server message that repeats its issues (template parameters: the issues joined; pipeline files:
 * the first issue and "(and N more)") is cut to its lead, and each issue is printed once below it.
 */
function withIssues(message: string, issues: { path: string; message: string }[]): { what: string; details: string[] } {
  const details = issues.map((i) => (i.path === "(root)" || !i.path || i.message.includes(`${i.path}:`) ? i.message : `${i.path}: ${i.message}`));
  if (!issues.length) return { what: message, details };
  const at = message.indexOf(issues[0]!.message);
  if (at < 0) return { what: message, details };
  const lead = message.slice(0, at).replace(/[\s:;,-]+$/, "") || "Tower refused the input";
  return { what: `${lead} (${issues.length} problem${issues.length === 1 ? "" : "s"}):`, details };
}

export interface ErrorReport {
  what: string;
  details: string[];
  fix: string;
  exitCode: number;
}

/** Turns anything thrown into what to print and the exit code. Commander errors were printed already. */
export function describeError(e: unknown, where?: Where): ErrorReport | { printed: true; exitCode: number } {
  if (e instanceof CommanderError) return { printed: true, exitCode: e.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (e instanceof CliError) return { what: e.message, details: e.details, fix: fillIds(e.fix, where), exitCode: exitCodeFor(e.kind) };
  if (e instanceof ApiError) {
    const unreachable = e.code === "INTERNAL" && e.message.startsWith("Cannot reach Tower");
    return {
      ...withIssues(e.message, e.issues ?? []),
      fix: unreachable ? "start Tower with `npm start`, or point --server / TOWER_URL at a running one" : fillIds(apiFix(e.code, where), where),
      exitCode: exitCodeFor(e.code),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { what: message, details: [], fix: "this is a bug in the tower CLI; report it with the command you ran", exitCode: EXIT.failed };
}

/** Prints `error: … / details / fix: …` to stderr and returns the exit code. */
export function reportError(io: Io, e: unknown, where?: Where): number {
  const r = describeError(e, where);
  if ("printed" in r) return r.exitCode;
  io.err(`${paint("error:", "error", io.errColor)} ${r.what}\n`);
  for (const d of r.details) io.err(`  ${d}\n`);
  io.err(`${paint("fix:", "bold", io.errColor)} ${r.fix}\n`);
  return r.exitCode;
}
