import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { upCommand, upSettings, type UpOptions } from "../../agent/up/command";

/** Parses `tower up` flags exactly as the CLI does, without starting anything. */
function parseUp(argv: string[]): UpOptions {
  const cmd = upCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.action(() => {});
  cmd.parse(argv, { from: "user" });
  return cmd.opts<UpOptions>();
}

describe("tower up (npm start)", () => {
  it("gives its own agent --claude-path and --capacity, and the Worker the approval timeout", () => {
    const s = upSettings(parseUp(["--claude-path", "bin/claude", "--capacity", "2", "--approval-timeout", "90"]));
    expect(s).toEqual({ vars: { APPROVAL_TIMEOUT_SECONDS: "90" }, run: { claudePath: resolve("bin/claude") }, capacity: 2 });
  });

  it("keeps the defaults without flags: wrangler.toml's timeout, the bundled Claude Code, capacity 4", () => {
    expect(upSettings(parseUp([]))).toEqual({ vars: {}, run: {}, capacity: 4 });
  });

  it("refuses a timeout or capacity that is not a whole number in range", () => {
    expect(() => parseUp(["--approval-timeout", "0"])).toThrow(/--approval-timeout must be a whole number/);
    expect(() => parseUp(["--capacity", "1.5"])).toThrow(/--capacity must be a whole number/);
  });
});
