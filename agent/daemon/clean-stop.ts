/**
 * How `tower agent` and `tower up` stop on Ctrl-C or SIGTERM: one line saying what happens, then the
 * stop (runs waiting for approval parked, others ended with a reason, journal flushed; bounded), then exit 0. A second
 * signal quits at once. A promise rejected while Claude Code's query closes (the SDK rejects requests
 * still pending with "Query closed before response received") is one line, never a crash printing the
 * SDK's minified source, and never a stop cut short.
 */
import type { EventEmitter } from "node:events";

export interface StopProcess extends Pick<EventEmitter, "on"> {
  exit(code: number): void;
}

/**
 * @example onStopSignals(process, (l) => console.log(l), () => agent.stop(), () => agent.activeRuns)
 */
export function onStopSignals(proc: StopProcess, log: (line: string) => void, stopAll: () => Promise<void>, activeRuns: () => number): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log(`${signal} again: quitting at once; runs not ended are reported as lost when the agent starts again`);
      return proc.exit(130);
    }
    stopping = true;
    const n = activeRuns();
    log(
      `${signal}: stopping ${n} run(s): a run waiting for approval is parked (its approval stays open), others end as interrupted (Ctrl-C again to quit at once)`,
    );
    await stopAll();
    proc.exit(0);
  };
  proc.on("SIGINT", () => void stop("SIGINT"));
  proc.on("SIGTERM", () => void stop("SIGTERM"));
  proc.on("unhandledRejection", (reason: unknown) => {
    const message = reason instanceof Error ? reason.message : String(reason);
    log(`${stopping ? "while stopping, " : ""}a late error nobody waited for: ${message.split("\n")[0]!.slice(0, 300)}`);
  });
}
