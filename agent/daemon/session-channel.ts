/**
 * The agent's socket to one SessionRoom. Every event is journalled, then sent in batches; the
 * room's acks clear the journal. After each (re)connect it tells the room which approvals it still
 * waits for and resends everything unacknowledged, in order.
 */
import { randomUUID } from "node:crypto";
import type ReconnectingWebSocket from "partysocket/ws";
import { RoomToAgentFrame, type AgentEnvelope, type AgentEvent, type AgentToRoomFrame, type ApprovalAnswer } from "../../worker/protocol/agent";
import type { Journal } from "./journal";
import { reconnecting, toWsUrl } from "./socket";

const BATCH = 200;

export interface ChannelHandlers {
  onDecision(requestId: string, answer: ApprovalAnswer): void;
  onInterrupt(): void;
  /** The approval requests this run still awaits, for `resync`. */
  waiting(): string[];
  runId(): string | null;
}

export class SessionChannel {
  readonly #ws: ReconnectingWebSocket;
  #queued: AgentEnvelope[] = [];
  #flushScheduled = false;
  #open = false;
  #ackWaiters: (() => void)[] = [];

  constructor(
    server: string,
    token: string,
    readonly sessionId: string,
    private readonly journal: Journal,
    public handlers: ChannelHandlers,
  ) {
    this.#ws = reconnecting(toWsUrl(server, `/api/sessions/${sessionId}/agent`), token);
    this.#ws.addEventListener("open", () => this.#onOpen());
    this.#ws.addEventListener("close", () => (this.#open = false));
    this.#ws.addEventListener("message", (e) => this.#onMessage(String(e.data)));
  }

  /** Journals an event and sends it (batched with whatever else happened this tick). */
  send(event: AgentEvent): void {
    const envelope: AgentEnvelope = { id: randomUUID(), at: Date.now(), event };
    this.journal.append(this.sessionId, envelope);
    this.#queued.push(envelope);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const fresh = this.#queued.splice(0);
    // While closed, the journal holds them; `#onOpen` resends everything unacknowledged.
    if (this.#open) this.#sendBatches(fresh);
  }

  #sendBatches(events: AgentEnvelope[]): void {
    for (let i = 0; i < events.length; i += BATCH) {
      this.#frame({ type: "agent-events", events: events.slice(i, i + BATCH) });
    }
  }

  #frame(frame: AgentToRoomFrame): void {
    this.#ws.send(JSON.stringify(frame));
  }

  #onOpen(): void {
    this.#open = true;
    this.#queued = [];
    this.#sendBatches(this.journal.unacked(this.sessionId));
    // After the resend, so the room knows every request before it is asked what it decided.
    this.#frame({ type: "resync", runId: this.handlers.runId(), waiting: this.handlers.waiting() });
  }

  #onMessage(raw: string): void {
    let frame: RoomToAgentFrame;
    try {
      frame = RoomToAgentFrame.parse(JSON.parse(raw));
    } catch {
      return; // an unknown frame from a newer server: ignore it
    }
    switch (frame.type) {
      case "ack":
        this.journal.ack(this.sessionId, frame.ids);
        if (this.journal.unacked(this.sessionId).length === 0) for (const w of this.#ackWaiters.splice(0)) w();
        return;
      case "decision":
        return this.handlers.onDecision(frame.requestId, frame.answer);
      case "interrupt":
        return this.handlers.onInterrupt();
      case "error":
        console.error(`tower agent: session ${this.sessionId}: ${frame.error.message}`);
    }
  }

  /** Resolves when the room has acknowledged everything sent so far (or after `ms`). */
  drained(ms: number): Promise<boolean> {
    if (this.journal.unacked(this.sessionId).length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.#ackWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.#ws.close(1000, "run finished");
  }
}
