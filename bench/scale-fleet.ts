/**
 * The simulated fleet of `npm run bench -- scale` (bench/scale.ts): machines that acknowledge their
 * launches on their AgentLink, runs that send numbered events on their session socket as the real
 * agent does (agent/daemon/session-channel.ts: a run's events numbered 1, 2, 3…, acknowledged by id),
 * and viewers that account every sequence number of their room and time each bench event.
 */
import { enrollMachine } from "../test/fixtures/enroll";
import { JsonSocket, spentNothing, type BenchCtx } from "./lib";
import { SeqLedger, type Sample } from "./scale-figures";
import type { Tally, ViewerTally } from "./scale-report";
export const SESSIONS_PER_MACHINE = 200;
export const SETUP_CONCURRENCY = 8;
export const STEP_MS = 30_000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items`, `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`scale: ${what} took over ${ms} ms`)), ms)))]).finally(
    () => clearTimeout(timer),
  );
}

/** One simulated machine: its control channel acknowledges every launch, as the real agent does. */
export class Machine {
  readonly #waiting = new Map<string, (runId: string) => void>();
  readonly #early = new Map<string, string>();

  private constructor(
    readonly name: string,
    readonly token: string,
    readonly control: JsonSocket,
  ) {
    control.onFrame = (f) => {
      if (f.type !== "launch") return;
      const order = f.order as { sessionId: string; runId: string };
      control.send({ type: "launch-ack", runId: order.runId });
      const w = this.#waiting.get(order.sessionId);
      if (w) w(order.runId);
      else this.#early.set(order.sessionId, order.runId);
    };
  }

  static async enroll(ctx: BenchCtx, name: string): Promise<Machine> {
    const token = await enrollMachine(ctx.client, name);
    const control = await JsonSocket.open(`${ctx.ws}/api/agents/connect`, token);
    control.send({ type: "hello", machine: { name, hostname: "bench-scale", labels: ["scale"], capacity: SESSIONS_PER_MACHINE, versions: {} }, running: [] });
    await control.next((f) => f.type === "welcome");
    return new Machine(name, token, control);
  }

  launched(sessionId: string): Promise<string> {
    const early = this.#early.get(sessionId);
    if (early) return Promise.resolve(early);
    return within(new Promise<string>((resolve) => this.#waiting.set(sessionId, resolve)), STEP_MS, `the launch of ${sessionId}`);
  }
}

/** One session's run as its agent sees it: the socket, the run's next seq, and when each bench event left. */
export interface Run {
  index: number;
  sessionId: string;
  runId: string;
  agent: JsonSocket;
  seq: number;
  sentAt: number[];
  acked: number;
  nextAt: number;
}

export const envelope = (run: Run, event: Record<string, unknown>) => ({
  id: `${run.runId}-${++run.seq}`,
  at: Date.now(),
  runId: run.runId,
  seq: run.seq,
  event,
});

export async function startRun(ctx: BenchCtx, machine: Machine, index: number, tally: Tally, closing: () => boolean): Promise<Run> {
  const s = await ctx.client.createSession({ prompt: `scale session ${index}`, cwd: "/tmp", agent: machine.name });
  const runId = await machine.launched(s.id);
  const agent = await JsonSocket.open(`${ctx.ws}/api/sessions/${s.id}/agent`, machine.token);
  const run: Run = { index, sessionId: s.id, runId, agent, seq: 0, sentAt: [], acked: 0, nextAt: 0 };
  watch(agent, tally, closing, `agent ${index}`);
  agent.send({
    type: "agent-events",
    events: [
      envelope(run, { type: "run-started", runId }),
      envelope(run, { type: "sdk-message", message: { type: "system", subtype: "init", session_id: `claude-${index}` } }),
    ],
  });
  await agent.next((f) => f.type === "ack", STEP_MS);
  agent.onFrame = (f) => {
    if (f.type === "ack") run.acked += (f.ids as string[]).length;
  };
  return run;
}

/** Counts error frames and sockets that close or fail while the bench still uses them. */
function watch(sock: JsonSocket, tally: Tally, closing: () => boolean, who: string): void {
  const note = (what: string) => {
    tally.errors++;
    if (tally.firstErrors.length < 5) tally.firstErrors.push(`${who}: ${what}`);
  };
  const frames = sock.onFrame;
  sock.onFrame = (f, at) => {
    if (f.type === "error") note(JSON.stringify(f.error));
    frames?.(f, at);
  };
  sock.ws.on("close", (code) => {
    if (!closing()) note(`socket closed (${code})`);
  });
  sock.ws.on("error", (e) => note(String(e)));
}

const UUID = /^scale-(\d+)-(\d+)$/;

/** A viewer of one run's room: every event's seq goes through its ledger; a bench event's arrival is timed. */
export async function openViewer(ctx: BenchCtx, run: Run, tally: Tally, samples: Sample[], closing: () => boolean): Promise<ViewerTally> {
  const sock = await JsonSocket.open(`${ctx.ws}/api/sessions/${run.sessionId}/live`, ctx.adminToken);
  let viewer: ViewerTally | null = null;
  const ready = new Promise<ViewerTally>((resolve) => {
    sock.onFrame = (f, at) => {
      // Connected without `after`: the room replays its whole log (seq 1 on) behind the snapshot, then streams.
      if (f.type === "snapshot") resolve((viewer = { ledger: new SeqLedger(0), got: 0, sentAt: run.sentAt }));
      if (f.type !== "events" || !viewer) return;
      for (const e of f.events as { seq: number; type: string; message?: { uuid?: unknown } }[]) {
        if (!viewer.ledger.see(e.seq) || e.type !== "sdk-message") continue;
        const m = typeof e.message?.uuid === "string" ? UUID.exec(e.message.uuid) : null;
        if (!m || Number(m[1]) !== run.index) continue;
        viewer.got++;
        tally.delivered++;
        // Timed by when it was sent, so the windows split the streaming time evenly.
        const sent = run.sentAt[Number(m[2])];
        if (sent !== undefined) samples.push({ at: sent, ms: at - sent });
      }
    };
  });
  watch(sock, tally, closing, `viewer of ${run.index}`);
  tally.sockets.push(sock);
  return within(ready, STEP_MS, `a viewer's snapshot of ${run.sessionId}`);
}

export function send(run: Run): void {
  const k = run.sentAt.length;
  run.sentAt.push(performance.now());
  run.agent.send({
    type: "agent-events",
    events: [
      envelope(run, {
        type: "sdk-message",
        message: {
          type: "assistant",
          uuid: `scale-${run.index}-${k}`,
          session_id: `claude-${run.index}`,
          parent_tool_use_id: null,
          message: {
            id: `msg-${run.index}-${k}`,
            role: "assistant",
            content: [{ type: "text", text: `Step ${k}: reading the next file of session ${run.index}.` }],
          },
        },
      }),
    ],
  });
}

/** Ends a run as the agent does (run-ended, acknowledged); a missing acknowledgement counts as an error. */
export async function endRun(run: Run, tally: Tally): Promise<void> {
  run.agent.onFrame = null;
  run.agent.drain();
  const outcome = spentNothing("done");
  run.agent.send({ type: "agent-events", events: [envelope(run, { type: "run-ended", runId: run.runId, outcome })] });
  await run.agent.next((f) => f.type === "ack", STEP_MS).catch(() => tally.errors++);
}
