/**
 * The local agent: dials out to Tower's AgentLink for this machine, registers it, takes launch
 * orders and runs each through Claude Code, one SessionChannel per session. On start it reports
 * runs a previous process left unfinished and resends what was never acknowledged; on stop it
 * interrupts its runs and waits for their endings to reach the server.
 */
import { hostname as osHostname } from "node:os";
import type ReconnectingWebSocket from "partysocket/ws";
import { TOKEN_REVOKED_CLOSE } from "../../worker/protocol/frames";
import { LinkToAgentFrame, type AgentToLinkFrame, type LaunchOrder, type MachineInfo, unranOutcome } from "../../worker/protocol/agent";
import type { RunOptions } from "../runner";
import { join } from "node:path";
import { reapGroups, type Reaped } from "../process-group";
import { Journal } from "./journal";
import { CapacityQueue } from "./capacity-queue";
import { relayRun, type ActiveRun } from "./relay";
import type { TrustStore } from "./trust";
import { SessionChannel } from "./session-channel";
import { reconnecting, toWsUrl } from "./socket";

export interface AgentConfig {
  server: string;
  token: string;
  machine: MachineInfo;
  stateDir: string;
  run: RunOptions;
  log?: (line: string) => void;
  /** Called once the agent has stopped because its token was revoked. */
  onRevoked?: () => void;
  /** Set when this machine requires signed decisions: its pinned trust (agent/daemon/trust.ts). */
  trust?: TrustStore | null;
  /** What a stop does to each active run (default: park it when a call waits for approval, else interrupt it). */
  stopRun?: StopRun;
}

/** Parks or ends one run when the agent stops; `reason` goes on the ending of a run that is not parked. */
export type StopRun = (run: ActiveRun, reason: string) => void;

// A call waiting for a person outlives the agent: parked, its approval stays open and a later run resumes it.
const parkOrInterrupt: StopRun = (run, reason) => run.park(reason);

const KEEPALIVE_MS = 25_000;
/** What a restarted agent reports for a run its predecessor left open: only what it saw for itself. */
function lostRun(reaped: Reaped | undefined): string {
  const what = reaped?.killed
    ? `Claude Code was still running (process group ${reaped.pgid}) and the restarted agent killed it`
    : "Claude Code was no longer running when the agent restarted";
  return `the agent stopped while this run was active; ${what}; continue the session to go on`;
}

export class TowerAgent {
  readonly #journal: Journal;
  readonly #channels = new Map<string, SessionChannel>();
  readonly #runs = new Map<string, ActiveRun>();
  /** `--capacity`: launches beyond it wait here (and say so on their session) until a run ends. */
  readonly #slots: CapacityQueue<LaunchOrder>;
  #control: ReconnectingWebSocket | null = null;
  #keepalive: NodeJS.Timeout | null = null;
  #stopping = false;
  #stopped: Promise<void> | null = null;

  constructor(private readonly cfg: AgentConfig) {
    this.#journal = new Journal(cfg.stateDir);
    this.#slots = new CapacityQueue(cfg.machine.capacity);
  }

  get #pidDir(): string {
    return join(this.cfg.stateDir, "pids");
  }

  get activeRuns(): number {
    return this.#runs.size;
  }

  /** Connects; resolves once the server has welcomed this machine. */
  start(): Promise<{ agentId: string }> {
    this.#recover();
    return new Promise((resolve) => {
      const ws = reconnecting(toWsUrl(this.cfg.server, "/api/agents/connect"), this.cfg.token);
      this.#control = ws;
      ws.addEventListener("close", (e) => {
        if (e.code !== TOKEN_REVOKED_CLOSE) return;
        this.cfg.log?.("this machine's token was revoked; stopping (enroll the machine again to get a new one)");
        void this.stop().then(() => this.cfg.onRevoked?.());
      });
      ws.addEventListener("open", () =>
        this.#send({ type: "hello", machine: this.cfg.machine, running: [...this.#runs.values()].map((r) => r.order.sessionId) }),
      );
      ws.addEventListener("message", (e) => {
        const frame = LinkToAgentFrame.safeParse(safeJson(String(e.data)));
        if (!frame.success) return;
        const f = frame.data;
        if (f.type === "welcome") {
          this.cfg.log?.(`connected to ${this.cfg.server} as ${this.cfg.machine.name} (${f.agentId})`);
          if (this.cfg.trust) this.cfg.trust.agentId = f.agentId;
          resolve({ agentId: f.agentId });
        } else if (f.type === "launch") this.#launch(f.order);
        else if (f.type === "cancel") this.#cancel(f.runId);
        else if (f.type === "error") this.cfg.log?.(`server: ${f.error.message}`);
      });
      this.#keepalive = setInterval(() => this.#send({ type: "ping" }), KEEPALIVE_MS);
    });
  }

  #send(frame: AgentToLinkFrame): void {
    this.#control?.send(JSON.stringify(frame));
  }

  /** Kills what a killed predecessor left running, reports the runs it left open, resends unacknowledged events. */
  #recover(): void {
    const reaped = new Map(reapGroups(this.#pidDir).map((r) => [r.runId, r]));
    for (const r of reaped.values())
      if (r.killed) this.cfg.log?.(`run ${r.runId}: killed Claude Code left running by the previous agent (process group ${r.pgid})`);
    for (const { sessionId, runId } of this.#journal.openRuns()) {
      this.#channel(sessionId).send(runId, {
        type: "run-ended",
        runId,
        outcome: unranOutcome("error", lostRun(reaped.get(runId))),
      });
      this.#journal.markRun(sessionId, runId, true);
    }
    for (const sessionId of this.#journal.sessions()) void this.#retire(this.#channel(sessionId));
  }

  #channel(sessionId: string): SessionChannel {
    let ch = this.#channels.get(sessionId);
    if (!ch) {
      ch = new SessionChannel(this.cfg.server, this.cfg.token, sessionId, this.#journal, {
        onDecision: () => {},
        onInterrupt: () => {},
        waiting: () => [],
        runId: () => null,
      });
      this.#channels.set(sessionId, ch);
    }
    return ch;
  }

  #launch(order: LaunchOrder): void {
    // A redelivered order (the ack was lost) must not start Claude Code a second time.
    if (this.#journal.hasSeenRun(order.runId) || this.#stopping) {
      if (!this.#stopping) this.#send({ type: "launch-ack", runId: order.runId });
      return;
    }
    this.#journal.markRun(order.sessionId, order.runId, false);
    this.#send({ type: "launch-ack", runId: order.runId });
    const slot = this.#slots.admit(order.runId, order);
    if (slot.start) return this.#start(order);
    const { capacity } = this.#slots;
    this.cfg.log?.(`run ${order.runId}: all ${capacity} slots busy; waiting (${slot.position} in line)`);
    this.#channel(order.sessionId).send(order.runId, { type: "run-waiting", runId: order.runId, capacity, position: slot.position ?? 1 });
  }

  /**
   * On a machine that requires signed decisions, the decision a parked call resumes with is verified first
   * (against the tool_use id and input hash the machine recorded when it parked it); a refused approve
   * resumes as a deny, so nothing runs, and the resumed run's first event tells Tower why (journalled, so
   * Tower records the approval as denied by this machine even across a drop).
   */
  #start(order: LaunchOrder): void {
    const parked = order.parked;
    if (!this.cfg.trust || parked?.answer.behavior !== "allow") return this.#run(order);
    const held = { sessionId: order.sessionId, toolUseId: parked.toolUseId, inputSha256: parked.inputSha256 };
    void this.cfg.trust.verify(parked.answer, parked.proof, held).then((v) => {
      if (v.ok) return this.#run(order);
      this.cfg.log?.(`run ${order.runId}: refused the decision on its parked call: ${v.reason}`);
      const message = `This machine refused the decision on this call (${v.reason}); it was not run.`;
      // After #run: its run-started goes first, so the refusal belongs to the resumed run.
      this.#run({ ...order, parked: { ...parked, answer: { behavior: "deny", message } } });
      const reason = v.reason.slice(0, 500);
      this.#channel(order.sessionId).send(order.runId, { type: "parked-decision-refused", toolUseId: parked.toolUseId, reason });
    });
  }

  #run(order: LaunchOrder): void {
    this.cfg.log?.(`run ${order.runId}: session ${order.sessionId} in ${order.spec.cwd}`);
    const channel = this.#channel(order.sessionId);
    const run = relayRun(
      order,
      channel,
      {
        ...this.cfg.run,
        runId: order.runId,
        pidFile: join(this.#pidDir, `${order.runId.replace(/[^A-Za-z0-9_-]/g, "_")}.json`),
      },
      this.cfg.trust,
    );
    this.#runs.set(order.runId, run);
    void run.done.then(async (outcome) => {
      this.#journal.markRun(order.sessionId, order.runId, true);
      this.#runs.delete(order.runId);
      this.cfg.log?.(`run ${order.runId}: ${outcome.kind}${outcome.error ? ` (${outcome.error})` : ""}`);
      for (const next of this.#slots.release(order.runId)) if (!this.#stopping) this.#start(next.item);
      await this.#retire(channel);
    });
  }

  /**
   * The session was stopped before its room saw the run start. A run still waiting for a slot never
   * starts; one already starting is killed at once (there is no turn yet to interrupt politely).
   */
  #cancel(runId: string): void {
    const waiting = this.#slots.withdraw(runId);
    if (waiting) return this.#endUnstarted(waiting, "cancelled before it started");
    this.#runs.get(runId)?.cancel();
  }

  /** Ends a run that never got a slot, so its session and this journal both see it closed. */
  #endUnstarted(order: LaunchOrder, error: string): void {
    const channel = this.#channel(order.sessionId);
    channel.send(order.runId, {
      type: "run-ended",
      runId: order.runId,
      outcome: unranOutcome("interrupted", error),
    });
    this.#journal.markRun(order.sessionId, order.runId, true);
    void this.#retire(channel);
  }

  /** Closes a session's channel once everything is acknowledged and no run uses it. */
  async #retire(channel: SessionChannel): Promise<void> {
    while (!(await channel.drained(60_000)) && !this.#stopping) {
      // The server is away; the channel keeps reconnecting and resends when it is back.
    }
    if ([...this.#runs.values()].some((r) => r.order.sessionId === channel.sessionId)) return;
    channel.close();
    this.#channels.delete(channel.sessionId);
  }

  /**
   * Clean shutdown: a run whose lone call waits for approval is parked (the approval stays open), every
   * other run ends with the reason (its pending approvals cancelled with it), queued
   * runs end unstarted, and the journal is flushed to Tower (bounded) before the sockets close.
   */
  stop(timeoutMs = 15_000): Promise<void> {
    // A second stop (Ctrl-C after a revoked token) waits for the first rather than starting over.
    this.#stopped ??= this.#stop(timeoutMs);
    return this.#stopped;
  }

  async #stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    const reason = `the agent on ${this.cfg.machine.name} was stopped`;
    for (const w of this.#slots.drain()) this.#endUnstarted(w.item, `${reason} before a slot freed`);
    const runs = [...this.#runs.values()];
    for (const r of runs) (this.cfg.stopRun ?? parkOrInterrupt)(r, reason);
    await Promise.race([Promise.all(runs.map((r) => r.done)), sleep(timeoutMs)]);
    await Promise.all([...this.#channels.values()].map((c) => c.drained(5_000)));
    for (const c of this.#channels.values()) c.close();
    if (this.#keepalive) clearInterval(this.#keepalive);
    this.#control?.close(1000, "agent stopping");
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function defaultMachine(name?: string): Pick<MachineInfo, "name" | "hostname"> {
  const host = osHostname();
  return { name: name ?? host.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 100), hostname: host };
}
