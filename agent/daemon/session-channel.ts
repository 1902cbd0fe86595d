/**
 * The agent's socket to one SessionRoom. Every event is journalled (numbered within its run), then
 * sent in frames packed by size; the room's acks clear the journal. Events are handed only to an open
 * socket (partysocket would buffer the rest and flush them ahead of the resend): after each
 * (re)connect it resends everything unacknowledged, oldest first, then tells the room which
 * approvals it still waits for.
 */
import type ReconnectingWebSocket from "partysocket/ws";
import {
  MAX_AGENT_FRAME_BYTES,
  RoomToAgentFrame,
  type AgentEnvelope,
  type AgentEvent,
  type AgentToRoomFrame,
  type ApprovalAnswer,
  type RuleStamp,
  type TextDelta,
} from "../../worker/protocol/agent";
import type { DecisionProof } from "../../worker/protocol/signed-decision";
import { toFrames } from "./batcher";
import type { Journal } from "./journal";
import { reconnecting, toWsUrl } from "./socket";

export interface ChannelHandlers {
  onDecision(requestId: string, answer: ApprovalAnswer, proof?: DecisionProof, rule?: RuleStamp): void;
  onInterrupt(): void;
  /** Tower asks to park the run: the call `requestId` has waited long enough (optional: no run, nothing to park). */
  onPark?(requestId: string): void;
  /** The approval requests this run still awaits, for `resync`. */
  waiting(): string[];
  runId(): string | null;
}

export class SessionChannel {
  readonly #ws: ReconnectingWebSocket;
  #queued: AgentEnvelope[] = [];
  #flushScheduled = false;
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
    this.#ws.addEventListener("message", (e) => this.#onMessage(String(e.data)));
  }

  /** Journals an event of run `runId` and sends it (batched with whatever else happened this tick). */
  send(runId: string, event: AgentEvent): void {
    this.#queued.push(this.journal.append(this.sessionId, runId, event));
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /**
   * Sends text Claude is still writing, unjournalled: on a closed socket it is simply lost (the final
   * message follows as an event). Events queued before it go first, so the room sees them in order.
   */
  sendLive(delta: TextDelta): void {
    if (!this.#isOpen()) return;
    this.#flush();
    this.#frame(delta);
  }

  #flush(): void {
    this.#flushScheduled = false;
    const fresh = this.#queued.splice(0);
    // Not open (connecting, or closing after a drop): the journal holds them; `#onOpen` resends.
    if (this.#isOpen()) this.#sendEvents(fresh);
  }

  #isOpen(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  #sendEvents(events: AgentEnvelope[]): void {
    if (events.length === 0) return;
    this.journal.sync(this.sessionId);
    for (const frame of toFrames(events, MAX_AGENT_FRAME_BYTES)) this.#ws.send(frame);
  }

  #frame(frame: AgentToRoomFrame): void {
    this.#ws.send(JSON.stringify(frame));
  }

  #onOpen(): void {
    this.#queued = [];
    this.#sendEvents(this.journal.unacked(this.sessionId));
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
        return this.handlers.onDecision(frame.requestId, frame.answer, frame.proof, frame.rule);
      case "interrupt":
        return this.handlers.onInterrupt();
      case "park":
        return this.handlers.onPark?.(frame.requestId);
      case "error":
        console.error(`tower agent: session ${this.sessionId}: ${frame.error.message}`);
    }
  }

  /**
   * Tells the room this machine refused a decision it could not verify (nothing ran; the call still waits).
   * Not journalled: a refusal lost with the socket is repeated, since the resync re-sends the decision.
   */
  refuse(requestId: string, reason: string): void {
    if (this.#isOpen()) this.#frame({ type: "decision-refused", requestId, reason: reason.slice(0, 500) });
  }

  /**
   * Journals the rule's decision about to be applied to `requestId` (see Journal.applied). IMPORTANT: call it
   * before the answer reaches Claude Code: the room may not have recorded the call yet.
   */
  journalApplied(requestId: string, stamp: RuleStamp): void {
    this.journal.applied(this.sessionId, requestId, stamp);
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
