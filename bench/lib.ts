/**
 * Small benchmark tools: percentiles over samples, and a JSON WebSocket (ws package, with the
 * bearer token) whose frames can be awaited by predicate with a bounded wait.
 */
import WS from "ws";
import type { ApiClient } from "../worker/client";
import type { RunOutcome } from "../worker/protocol/agent";

/** What every benchmark part gets: the server, its tokens, a client, and the simulated agent's control socket. */
export interface BenchCtx {
  url: string;
  ws: string;
  adminToken: string;
  agentToken: string;
  client: ApiClient;
  control: JsonSocket;
}

let counter = 0;
/** A unique id for events, tokens and names within one run. */
export const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++counter}`;

export { median, medianStats, type Stats, stats } from "./figures";

type Frame = Record<string, unknown>;

export class JsonSocket {
  readonly #waiters = new Set<() => void>();
  readonly frames: Frame[] = [];
  onFrame: ((f: Frame, at: number) => void) | null = null;
  #cursor = 0;

  private constructor(readonly ws: WS) {
    ws.on("message", (data) => {
      const at = performance.now();
      const f = JSON.parse(String(data)) as Frame;
      this.onFrame?.(f, at);
      this.frames.push(f);
      for (const w of [...this.#waiters]) w();
    });
  }

  static open(url: string, token: string): Promise<JsonSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WS(url, { headers: { authorization: `Bearer ${token}` } });
      const sock = new JsonSocket(ws);
      ws.once("open", () => resolve(sock));
      ws.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits for the next frame (after those already taken) that matches. */
  next(pred: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = this.#cursor; i < this.frames.length; i++) {
          if (pred(this.frames[i]!)) {
            this.#cursor = i + 1;
            this.#waiters.delete(check);
            clearTimeout(timer);
            resolve(this.frames[i]!);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no matching frame in ${ms} ms`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }

  /** Forgets frames already received (keeps memory flat in long loops). */
  drain(): void {
    this.frames.length = 0;
    this.#cursor = 0;
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** A session whose (simulated) agent has started its run: returns the agent's session socket. */
export async function startedSession(ctx: BenchCtx, prompt = "bench"): Promise<{ id: string; agent: JsonSocket }> {
  const s = await ctx.client.createSession({ prompt, cwd: "/tmp" });
  const launch = await ctx.control.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === s.id);
  const runId = (launch.order as { runId: string }).runId;
  ctx.control.send({ type: "launch-ack", runId });
  const agent = await JsonSocket.open(`${ctx.ws}/api/sessions/${s.id}/agent`, ctx.agentToken);
  numberEvents(agent, runId);
  agent.send({
    type: "agent-events",
    events: [
      { id: uid("ev"), at: Date.now(), event: { type: "run-started", runId } },
      { id: uid("ev"), at: Date.now(), event: { type: "sdk-message", message: { type: "system", subtype: "init", session_id: uid("claude") } } },
    ],
  });
  await agent.next((f) => f.type === "ack");
  return { id: s.id, agent };
}

/** As the agent's journal does (agent/daemon/journal.ts), every event the bench's agent sends gets its run and its number in it. */
function numberEvents(agent: JsonSocket, runId: string): void {
  const send = agent.send.bind(agent);
  let seq = 0;
  agent.send = (frame: unknown) => {
    const f = frame as { type?: string; events?: Record<string, unknown>[] };
    send(f.type === "agent-events" && f.events ? { ...f, events: f.events.map((e) => ({ runId, seq: ++seq, ...e })) } : frame);
  };
}

export const THINK_MS = 40;

/** Decisions are rate limited per token (60 a minute), so the viewer switches to a fresh token every 50. */
export const DECISIONS_PER_TOKEN = 50;

export async function freshViewer(ctx: BenchCtx, sessionId: string): Promise<JsonSocket> {
  const { token } = (await (
    await fetch(`${ctx.url}/api/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: uid("bench") }),
    })
  ).json()) as { token: string };
  const viewer = await JsonSocket.open(`${ctx.ws}/api/sessions/${sessionId}/live`, token);
  await viewer.next((f) => f.type === "snapshot");
  return viewer;
}

/** A simulated run's successful end that spent nothing (the bench's agents run no model). */
export function spentNothing(result: string): RunOutcome {
  return { kind: "success", result, costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, numTurns: 1, durationMs: 1 };
}
