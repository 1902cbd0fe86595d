/**
 * How a SessionRoom's step (party/session-room.ts `#apply`) reaches storage: made at once, or, for a call its
 * rules decided in its request's own step, after the sealed answer left (rule-answers.ts), held
 * (held-write.ts) until the agent pauses 20 ms, 100 ms at most, or 8 are held, because workerd's output gate
 * holds every frame sent while a write commits. Every frame to the agent goes through here, so a rule's decision carries the seal.
 */
import type { Connection } from "partyserver";
import type { AgentEnvelope } from "../worker/protocol/agent";
import type { SessionEvent } from "../worker/protocol/events";
import type { RoomInput, StepResult } from "./core/room";
import { HeldWrite, type Staged } from "./held-write";
import { coalesce, type RoomWrite } from "./room-write-set";

export type { RoomWrite };
import { earlyAnswer, RuleAnswers, type SendAgent } from "./rule-answers";
import { safeSend } from "./sockets";
import * as store from "./storage";

/**
 * How long the records of calls its rules answered may wait after their answers left, unless another input
 * needs storage first: until the agent pauses for `quietMs`, never longer than `maxMs`, and no more than
 * `maxCount` of them. Their writes then commit together, rather than one commit per call holding the next
 * call's answer behind it, coalesced (room-write-set.ts: at most one statement per table, the session once),
 * so a batch's SQL no longer grows statement by statement with its size (it did: up to 77 held at the old 1 s
 * cap, 87–114 ms of work before the commit, and the calls behind it waited 118–305 ms in
 * `npm run bench -- rules-room`). The count still bounds the bytes one commit writes; made in the step of the
 * last one, it runs while the next call is still on its way.
 */
export const RULE_RECORD_HOLD = { quietMs: 20, maxMs: 100, maxCount: 8 };

export class RoomWrites {
  readonly #ruled = new RuleAnswers();
  /** Read by an agent's frame (its intake sees the held events; its ack waits for their write). */
  readonly held: HeldWrite<RoomWrite[]>;

  /** `host.name` is read when used: partyserver knows a room's name only once it has started (an alarm wakes it nameless). */
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly host: { name(): string; sessionId(): string | undefined; agents(): Iterable<Connection> },
  ) {
    this.held = new HeldWrite<RoomWrite[]>(RULE_RECORD_HOLD, { open: () => [], commit: (batch) => this.#commit(batch) }, (e) => {
      console.error(`room ${host.name()}: a held write failed; resetting the room from storage`, e);
      ctx.abort("a held write failed");
    });
  }

  /** IMPORTANT: in onStart, before any input (see RuleSeal.load). */
  load(): void {
    this.#ruled.load(this.ctx.storage.sql);
  }

  /**
   * The send of step `r` that may leave before its write (the decision a rule gave the request `input`
   * carries); when there is none, whatever is held is written first, so writes stay in order.
   */
  begin(r: StepResult, input: RoomInput): SendAgent | undefined {
    const early = r.ok ? earlyAnswer(r.effects, input) : undefined;
    if (!early) this.flush();
    return early;
  }

  /** Makes whatever is held now: every input but an agent's frame touches storage only after this. */
  flush(): void {
    this.held.flush();
  }

  /** See RuleAnswers.applied: a resent request carrying a rule's decision the room has no record of. */
  applied(...args: Parameters<RuleAnswers["applied"]>): ReturnType<RuleAnswers["applied"]> {
    return this.#ruled.applied(...args);
  }

  /** A frame to the agent; a rule's decision goes with the room's seal on it. */
  toAgent(e: SendAgent): void {
    const frame = this.#ruled.frame(e, this.host.sessionId());
    for (const c of this.host.agents()) safeSend(c, frame);
  }

  /**
   * Writes step `write` now (`undo` puts memory back when it throws: the transaction rolled back), or, when
   * `early` (the step's rule decision) is given, sends that first and holds `write`, which consumes `ingested`.
   */
  perform(early: SendAgent | undefined, write: Staged<RoomWrite[]>, ingested: AgentEnvelope | undefined, undo: () => void): void {
    if (early) {
      this.toAgent(early);
      this.held.hold(write, ingested);
      return;
    }
    let follow: () => void;
    try {
      const batch: RoomWrite[] = [];
      follow = write(batch);
      this.#commit(batch);
    } catch (e) {
      undo();
      throw e;
    }
    follow();
  }

  /** One transaction for the rows one step or a held batch staged, each row written once (room-write-set.ts). */
  #commit(batch: RoomWrite[]): void {
    const c = coalesce(batch);
    this.ctx.storage.transactionSync(() => store.writeCoalesced(this.ctx.storage.sql, c));
  }

  /**
   * Stages step `r`'s write into `batch`: its events from `fromSeq + 1`, approvals, timers, the session, the
   * agent event it consumed, and (`record`) what must follow the change. Returns the events it stores.
   */
  stage(r: Extract<StepResult, { ok: true }>, fromSeq: number, now: number, ingested: AgentEnvelope | undefined, batch: RoomWrite[]): SessionEvent[] {
    const emitted: SessionEvent[] = [];
    let seq = fromSeq;
    for (const e of r.effects) {
      if (e.type === "emit") {
        const event: SessionEvent = { seq: ++seq, at: now, ...e.body };
        batch.push({ kind: "event", seq, at: now, body: JSON.stringify(e.body) });
        emitted.push(event);
      } else if (e.type === "save-approval") batch.push({ kind: "approval", id: e.approval.id, body: JSON.stringify(e.approval) });
      else if (e.type === "schedule") batch.push({ kind: "schedule", key: e.key, dueAt: e.at, timer: JSON.stringify(e.timer), keep: e.keep ?? false });
      else if (e.type === "unschedule") batch.push({ kind: "unschedule", key: e.key });
    }
    if (r.state.session) batch.push({ kind: "session", body: JSON.stringify(r.state.session) });
    if (ingested) batch.push({ kind: "ingested", id: ingested.id, runId: ingested.runId, seq: ingested.seq });
    return emitted;
  }
}
