/**
 * The agent's on-disk journal: every event is appended before it is sent and stays until the
 * SessionRoom acknowledges its id, so a dropped connection or a restart of either side loses
 * nothing (the room stores a resend once). It numbers each run's events 1, 2, 3… (the room stores a
 * run in that order), and remembers which runs were started and whether they ended, so a restarted
 * agent can report the runs it lost and never starts a run twice.
 * Durability: `sync` (fdatasync) runs before any event leaves for the room, and a run is synced
 * before its launch is acknowledged; so after a power loss, everything the room may have seen is
 * still on disk and a number is never given twice. What the loss can take is only the events of the
 * last moment that never left the machine (Claude Code stops with it). Acks are not synced: a lost
 * ack only means a resend, which the room acknowledges without storing it again.
 * A rule's decision can reach the agent before the room's record of the call is durable: the agent journals
 * the sealed decision it applies onto the still unacknowledged request (synced before it is applied), so a
 * resend after a crash of the room carries it and the room records exactly that decision.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { AgentEnvelope, RuleStamp, type AgentEvent } from "../../worker/protocol/agent";

const Line = z.union([
  z.object({ e: AgentEnvelope }),
  z.object({ a: z.array(z.string()) }),
  z.object({ run: z.string(), ended: z.boolean() }),
  /** The rule's decision applied to the request journalled as `id`. */
  z.object({ ap: z.object({ id: z.string(), stamp: RuleStamp }) }),
]);

interface SessionLog {
  pending: Map<string, AgentEnvelope>;
  runs: Map<string, boolean>;
}

export interface JournalOptions {
  /** Makes a file's written data durable; fdatasync unless a test wants to see when it is called. */
  datasync?: (fd: number) => void;
}

export class Journal {
  readonly #dir: string;
  readonly #seenRunsFile: string;
  readonly #logs = new Map<string, SessionLog>();
  readonly #seenRuns = new Set<string>();
  /** The last number given to each run's events (kept after a session's file is compacted). */
  readonly #runSeq = new Map<string, number>();
  readonly #fds = new Map<string, number>();
  /** Sessions with writes not yet synced; `#dirDirty`: a journal file was created since the last sync. */
  readonly #unsynced = new Set<string>();
  #dirDirty = false;
  readonly #datasync: (fd: number) => void;

  constructor(stateDir: string, options: JournalOptions = {}) {
    this.#datasync = options.datasync ?? fdatasyncSync;
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
      if ("e" in parsed) {
        log.pending.set(parsed.e.id, parsed.e);
        const { runId, seq } = parsed.e;
        if (runId !== undefined && seq !== undefined) this.#runSeq.set(runId, Math.max(seq, this.#runSeq.get(runId) ?? 0));
      } else if ("a" in parsed) for (const id of parsed.a) log.pending.delete(id);
      else if ("ap" in parsed) withApplied(log, parsed.ap.id, parsed.ap.stamp);
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
    let fd = this.#fds.get(sessionId);
    if (fd === undefined) {
      const file = this.#file(sessionId);
      if (!existsSync(file)) this.#dirDirty = true;
      fd = openSync(file, "a");
      this.#fds.set(sessionId, fd);
    }
    appendFileSync(fd, `${JSON.stringify(line)}\n`);
    this.#unsynced.add(sessionId);
  }

  /** Journals an event as the next of its run and returns it, ready to send. */
  append(sessionId: string, runId: string, event: AgentEvent): AgentEnvelope {
    const seq = (this.#runSeq.get(runId) ?? 0) + 1;
    const envelope: AgentEnvelope = { id: randomUUID(), at: Date.now(), runId, seq, event };
    this.#write(sessionId, { e: envelope });
    this.#runSeq.set(runId, seq);
    this.#log(sessionId).pending.set(envelope.id, envelope);
    return envelope;
  }

  /**
   * Makes everything journalled for the session durable. IMPORTANT: call it before any of the
   * session's events leave for the room (see the header).
   */
  sync(sessionId: string): void {
    if (this.#dirDirty) {
      this.#dirDirty = false;
      syncDirectory(this.#dir);
    }
    const fd = this.#fds.get(sessionId);
    if (fd === undefined || !this.#unsynced.delete(sessionId)) return;
    this.#datasync(fd);
  }

  /**
   * Journals, durably, the rule's decision about to be applied to the request `requestId`, onto that request
   * while the room has not acknowledged it (so its resend carries the decision). False when it was
   * acknowledged already: the room holds its record, and nothing needs journalling.
   */
  applied(sessionId: string, requestId: string, stamp: RuleStamp): boolean {
    const log = this.#logs.get(sessionId);
    const pending = log && [...log.pending.values()].find((p) => p.event.type === "approval-request" && p.event.requestId === requestId);
    if (!log || !pending) return false;
    this.#write(sessionId, { ap: { id: pending.id, stamp } });
    this.sync(sessionId);
    withApplied(log, pending.id, stamp);
    return true;
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

  /** Records a run's start or end, durably (a launch is acknowledged only after it is on disk). */
  markRun(sessionId: string, runId: string, ended: boolean): void {
    if (!this.#seenRuns.has(runId)) {
      const created = !existsSync(this.#seenRunsFile);
      const fd = openSync(this.#seenRunsFile, "a");
      try {
        appendFileSync(fd, `${runId}\n`);
        this.#datasync(fd);
      } finally {
        closeSync(fd);
      }
      if (created) syncDirectory(join(this.#dir, ".."));
      this.#seenRuns.add(runId);
    }
    this.#write(sessionId, { run: runId, ended });
    this.sync(sessionId);
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
    return [...this.#logs].flatMap(([sessionId, log]) => [...log.runs].filter(([, ended]) => !ended).map(([runId]) => ({ sessionId, runId })));
  }

  #compact(sessionId: string, log: SessionLog): void {
    if (log.pending.size > 0 || [...log.runs.values()].some((ended) => !ended)) return;
    const fd = this.#fds.get(sessionId);
    if (fd !== undefined) closeSync(fd);
    this.#fds.delete(sessionId);
    this.#unsynced.delete(sessionId);
    rmSync(this.#file(sessionId), { force: true });
    this.#logs.delete(sessionId);
  }
}

function withApplied(log: SessionLog, id: string, stamp: RuleStamp): void {
  const e = log.pending.get(id);
  if (e?.event.type === "approval-request") log.pending.set(id, { ...e, event: { ...e.event, applied: stamp } });
}

/** Makes a new file's directory entry durable; where a directory cannot be opened (Windows), it is skipped. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EISDIR/EPERM/EINVAL on platforms that cannot sync a directory
  } finally {
    closeSync(fd);
  }
}
