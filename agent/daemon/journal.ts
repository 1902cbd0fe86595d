/**
 * The agent's on-disk journal: every event is appended before it is sent and stays until the
 * SessionRoom acknowledges its id, so a dropped connection or a restart of either side loses
 * nothing (the room stores a resend once). It also remembers which runs were started and whether
 * they ended, so a restarted agent can report the runs it lost and never starts a run twice.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { AgentEnvelope } from "../../worker/protocol/agent";

const Line = z.union([
  z.object({ e: AgentEnvelope }),
  z.object({ a: z.array(z.string()) }),
  z.object({ run: z.string(), ended: z.boolean() }),
]);

interface SessionLog {
  pending: Map<string, AgentEnvelope>;
  runs: Map<string, boolean>;
}

export class Journal {
  readonly #dir: string;
  readonly #seenRunsFile: string;
  readonly #logs = new Map<string, SessionLog>();
  readonly #seenRuns = new Set<string>();

  constructor(stateDir: string) {
    this.#dir = join(stateDir, "journal");
    this.#seenRunsFile = join(stateDir, "runs-seen.txt");
    mkdirSync(this.#dir, { recursive: true });
    if (existsSync(this.#seenRunsFile)) for (const r of readFileSync(this.#seenRunsFile, "utf8").split("\n")) if (r) this.#seenRuns.add(r);
    for (const f of readdirSync(this.#dir)) if (f.endsWith(".jsonl")) this.#load(f.slice(0, -6));
  }

  #file(sessionId: string): string {
    return join(this.#dir, `${sessionId}.jsonl`);
  }

  #load(sessionId: string): void {
    const log: SessionLog = { pending: new Map(), runs: new Map() };
    for (const raw of readFileSync(this.#file(sessionId), "utf8").split("\n")) {
      if (!raw) continue;
      let parsed: z.infer<typeof Line>;
      try {
        parsed = Line.parse(JSON.parse(raw));
      } catch {
        continue; // a torn last line after a crash: everything before it is intact
      }
      if ("e" in parsed) log.pending.set(parsed.e.id, parsed.e);
      else if ("a" in parsed) for (const id of parsed.a) log.pending.delete(id);
      else log.runs.set(parsed.run, parsed.ended);
    }
    this.#logs.set(sessionId, log);
  }

  #log(sessionId: string): SessionLog {
    let log = this.#logs.get(sessionId);
    if (!log) {
      log = { pending: new Map(), runs: new Map() };
      this.#logs.set(sessionId, log);
    }
    return log;
  }

  #write(sessionId: string, line: z.infer<typeof Line>): void {
    appendFileSync(this.#file(sessionId), `${JSON.stringify(line)}\n`);
  }

  append(sessionId: string, envelope: AgentEnvelope): void {
    this.#write(sessionId, { e: envelope });
    this.#log(sessionId).pending.set(envelope.id, envelope);
  }

  ack(sessionId: string, ids: string[]): void {
    const log = this.#logs.get(sessionId);
    if (!log) return;
    const known = ids.filter((id) => log.pending.delete(id));
    if (known.length) this.#write(sessionId, { a: known });
    this.#compact(sessionId, log);
  }

  /** True if this run was ever started here (so a redelivered launch is not run twice). */
  hasSeenRun(runId: string): boolean {
    return this.#seenRuns.has(runId);
  }

  markRun(sessionId: string, runId: string, ended: boolean): void {
    if (!this.#seenRuns.has(runId)) {
      appendFileSync(this.#seenRunsFile, `${runId}\n`);
      this.#seenRuns.add(runId);
    }
    this.#write(sessionId, { run: runId, ended });
    const log = this.#log(sessionId);
    log.runs.set(runId, ended);
    this.#compact(sessionId, log);
  }

  unacked(sessionId: string): AgentEnvelope[] {
    return [...(this.#logs.get(sessionId)?.pending.values() ?? [])];
  }

  /** Sessions that still have unacknowledged events or an unfinished run. */
  sessions(): string[] {
    return [...this.#logs.keys()];
  }

  /** Runs that started and never ended: after a restart, their Claude Code process is gone. */
  openRuns(): { sessionId: string; runId: string }[] {
    return [...this.#logs].flatMap(([sessionId, log]) =>
      [...log.runs].filter(([, ended]) => !ended).map(([runId]) => ({ sessionId, runId })),
    );
  }

  #compact(sessionId: string, log: SessionLog): void {
    if (log.pending.size > 0 || [...log.runs.values()].some((ended) => !ended)) return;
    rmSync(this.#file(sessionId), { force: true });
    this.#logs.delete(sessionId);
  }
}
