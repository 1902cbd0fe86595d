/**
 * The agent side of a SessionRoom (party/session-room.ts): frames from the machine's agent (events,
 * resync, refused decisions, live text) are parsed and stepped, and a call that waits for a person is
 * judged by the workspace's rules, in its own step when they are known current, otherwise once fetched.
 * Events whose write is held (room-writes.ts) count as ingested, and their ack waits for that write.
 */
import type { Connection, WSMessage } from "partyserver";
import { AgentToRoomWire, type AgentEnvelope, type RoomToAgentFrame, type TextDelta } from "../worker/protocol/agent";
import type { ServerFrame } from "../worker/protocol/frames";
import type { SessionEvent } from "../worker/protocol/events";
import type { RuleVerdict } from "../worker/protocol/rules";
import { MAX_SCRUB_DEPTH, nestsDeeperThan } from "../worker/domain/scrub";
import type { RoomInput, RoomState, StepResult } from "./core/room";
import { needsAgent } from "./core/status";
import { LiveTextStreams } from "./core/live-text";
import { ingestEvents, oversize } from "./agent-ingest";
import { canonicalSha256 } from "./hash";
import type { RoomRules } from "./room-rules";
import type { RoomWrites } from "./room-writes";
import { resolveRouting } from "./routing-resolve";
import { errorFrame, parseFrame, safeSend } from "./sockets";
import * as store from "./storage";

/** What the agent side needs of its room. */
export interface AgentFrameHost {
  env: Env;
  /** Read when used: partyserver knows a room's name only once it has started (an alarm wakes it nameless). */
  name(): string;
  sql: SqlStorage;
  rules: RoomRules;
  writes: RoomWrites;
  state(): RoomState;
  apply(input: RoomInput, ingested?: AgentEnvelope): StepResult;
  toViewers(frame: string, now: number): void;
  waitUntil(p: Promise<unknown>): void;
}

export class RoomAgentFrames {
  readonly #liveText = new LiveTextStreams();

  constructor(private readonly host: AgentFrameHost) {}

  onFrame(conn: Connection, raw: WSMessage): void {
    const tooLarge = typeof raw === "string" ? oversize(raw) : null;
    if (tooLarge) return errorFrame(conn, null, "BAD_REQUEST", tooLarge);
    const frame = parseFrame(AgentToRoomWire, raw);
    if (!frame.ok) return errorFrame(conn, null, "BAD_REQUEST", frame.message);
    if (frame.value.type === "resync") {
      this.host.apply({ type: "resync", waiting: frame.value.waiting });
      return;
    }
    if (frame.value.type === "text-delta") return this.#onTextDelta(frame.value);
    if (frame.value.type === "decision-refused") {
      this.host.apply({ type: "decision-refused", requestId: frame.value.requestId, reason: frame.value.reason });
      return;
    }
    const held = this.host.writes.held;
    const sql = this.host.sql;
    const stored = { lastAgentSeq: (runId: string) => store.lastAgentSeq(sql, runId), wasIngested: (id: string) => store.wasIngested(sql, id) };
    const { ack, unreadable } = ingestEvents(stored, frame.value.events, (envelope) => this.#ingest(envelope), held);
    for (const message of unreadable) errorFrame(conn, null, "BAD_REQUEST", message);
    // Acknowledged once stored: after a held write too (the agent keeps the request journalled until then).
    if (ack.length) held.after(() => safeSend(conn, { type: "ack", ids: ack } satisfies RoomToAgentFrame));
  }

  /** A stored final message (or the run's end) ends the live text it replaces. */
  stored(e: SessionEvent): void {
    if (e.type === "run-ended") return this.#liveText.clear();
    const m = e.type === "sdk-message" && e.message.type === "assistant" ? e.message.message : undefined;
    if (m && typeof m === "object" && !Array.isArray(m) && typeof m.id === "string") this.#liveText.finish(m.id);
  }

  /** Fans text Claude is still writing out to viewers, scrubbed, without storing it. */
  #onTextDelta(delta: TextDelta): void {
    const session = this.host.state().session;
    if (!session || !needsAgent(session.status)) return;
    const frame = this.#liveText.take(delta);
    if (frame) this.host.toViewers(JSON.stringify(frame satisfies ServerFrame), Date.now());
  }

  /** Steps one new agent event (`ingestEvents` has checked it is new and next in its run). */
  #ingest(envelope: AgentEnvelope): void {
    const ev = envelope.event;
    // A too-deep input is denied by the step without a hash (hashing it would exhaust the stack).
    const inputSha256 = ev.type === "approval-request" && !nestsDeeperThan(ev.input, MAX_SCRUB_DEPTH) ? canonicalSha256(ev.input) : undefined;
    const { session, approvals } = this.host.state();
    // A resend with the rule's decision the agent applied, which the room lost (it crashed before its write).
    if (ev.type === "approval-request" && ev.applied && session && !Object.values(approvals).some((a) => a.requestId === ev.requestId)) {
      const { input, ingested, refused } = this.host.writes.applied(envelope, session.id, inputSha256);
      if (refused) console.error(`room ${this.host.name()}: request ${ev.requestId}: ${refused}`);
      this.host.apply(input, ingested);
      return;
    }
    // Rules known current judge in the request's own step, unless the verdict routes the call (who may
    // decide is read first); otherwise they are fetched, then judge (#judge).
    const verdict = ev.type === "approval-request" && session ? this.host.rules.cachedVerdict(session, ev) : undefined;
    const inStep = verdict !== undefined && !verdict?.route;
    const r = this.host.apply({ type: "agent-event", envelope, ...(inputSha256 ? { inputSha256 } : {}), ...(inStep ? { verdict } : {}) }, envelope);
    if (ev.type === "approval-request" && !inStep && r.ok && r.approval?.status === "pending") this.#judge(r.approval.id, ev, verdict);
  }

  /**
   * Asks the workspace's rules about a call that now waits for a person: an allow or deny resolves it
   * (first decision wins, so a person who answered meanwhile stands); an ask, no rules, or a failure to
   * read them leaves it to a person.
   */
  #judge(approvalId: string, call: Parameters<RoomRules["verdict"]>[1], known: RuleVerdict | null | undefined): void {
    const session = this.host.state().session;
    if (!session) return;
    // A routed ask resolves who may decide first (one D1 read), so no decision reads D1.
    const judged = (known !== undefined ? Promise.resolve(known) : this.host.rules.verdict(session, call))
      .then(async (verdict) => {
        if (!verdict || (verdict.decision === "ask" && !verdict.route && !verdict.held)) return;
        const routing = verdict.route ? await resolveRouting(this.host.env, session, verdict) : null;
        this.host.apply({ type: "rule-verdict", approvalId, verdict, ...(routing ? { routing } : {}) });
      })
      .catch((e) => console.error(`room ${this.host.name()}: approval rules`, e));
    this.host.waitUntil(judged);
  }
}
