import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { CliError, exitCodeFor, exitCodeForEnd, reportError, table, type Io } from "../../agent/cli/output";
import { ApiError } from "../../worker/client";
import type { ErrorCode } from "../../worker/protocol/errors";
import type { SessionStatus } from "../../worker/protocol/session";

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: "", stderr: "", color: false, errColor: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe("exit codes", () => {
  it.each([
    ["BAD_REQUEST", 2],
    ["UNAUTHORIZED", 3],
    ["FORBIDDEN", 3],
    ["NOT_FOUND", 4],
    ["CONFLICT", 5],
    ["SESSION_CLOSED", 5],
    ["RATE_LIMITED", 6],
    ["INTERNAL", 1],
    ["USAGE", 2],
  ] as [ErrorCode | "USAGE", number][])("maps %s to %i", (code, exit) => {
    expect(exitCodeFor(code)).toBe(exit);
  });

  it.each([
    ["completed", 0],
    ["failed", 1],
    ["interrupted", 1],
    ["waiting_for_input", 5],
    ["running", null],
    ["waiting_for_approval", null],
    ["interrupting", null],
    ["queued", null],
  ] as [SessionStatus, number | null][])("ends a followed session in %s with %s", (status, exit) => {
    expect(exitCodeForEnd(status)).toBe(exit);
  });
});

describe("errors", () => {
  it("prints what, details and how to fix an API error, and returns its exit code", () => {
    const io = capture();
    const code = reportError(io, new ApiError("BAD_REQUEST", "Invalid request", [{ path: "cwd", message: "cwd is required" }]));
    expect(code).toBe(2);
    expect(io.stderr).toBe(
      "error: Invalid request\n  cwd: cwd is required\nfix: correct the values named above; `tower <command> --help` describes every flag\n",
    );
    expect(io.stdout).toBe("");
  });

  it("tells how to start Tower when it cannot be reached", () => {
    const io = capture();
    expect(reportError(io, new ApiError("INTERNAL", "Cannot reach Tower at http://127.0.0.1:8787: fetch failed. Is it running (npm start)?"))).toBe(1);
    expect(io.stderr).toMatch(/^error: Cannot reach Tower/);
    expect(io.stderr).toContain("fix: start Tower with `npm start`");
  });

  it.each([
    ["NOT_FOUND", 4, "tower ls"],
    ["SESSION_CLOSED", 5, "tower continue"],
    ["UNAUTHORIZED", 3, "TOWER_TOKEN"],
  ] as [ErrorCode, number, string][])("gives %s a fix that helps", (code, exit, hint) => {
    const io = capture();
    expect(reportError(io, new ApiError(code, "nope"), { command: "show", args: ["ses_0k3abcdefghij1234567"], subject: "session" })).toBe(exit);
    expect(io.stderr).toContain(hint);
  });

  it("prints a CLI error with its fix", () => {
    const io = capture();
    expect(reportError(io, new CliError("USAGE", "deny needs --comment", 'tower deny apr_x --comment "…"'))).toBe(2);
    expect(io.stderr).toBe('error: deny needs --comment\nfix: tower deny apr_x --comment "…"\n');
  });

  it("does not print commander errors again (commander already did), exits 2, or 0 for --help", () => {
    const io = capture();
    expect(reportError(io, new CommanderError(1, "commander.unknownOption", "error: unknown option '--x'"))).toBe(2);
    expect(reportError(io, new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toBe(0);
    expect(io.stderr).toBe("");
  });

  it("reports an unexpected exception as a bug, exit 1", () => {
    const io = capture();
    expect(reportError(io, new TypeError("x is undefined"))).toBe(1);
    expect(io.stderr).toContain("error: x is undefined");
    expect(io.stderr).toContain("bug");
  });
});

describe("table", () => {
  it("aligns columns, numbers to the right, ignoring colour codes", () => {
    expect(
      table(
        ["A", "N"],
        [
          ["\x1b[32mok\x1b[39m", "5"],
          ["longer", "123"],
        ],
        [1],
      ),
    ).toEqual(["A         N", "\x1b[32mok\x1b[39m        5", "longer  123"]);
  });
});
