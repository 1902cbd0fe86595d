/**
 * SessionRoom: the single writer of one session. It runs inputs through the pure `step()`,
 * persists the resulting events (with sequence numbers), approvals and timers in DO SQLite,
 * then performs the effects: broadcast to viewers, frames to the agent, launches through the
 * machine's AgentLink, and a write-behind of the summary row to D1 and the workspace hub.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import { AgentToRoomWire, type AgentEnvelope, type RoomToAgentFrame, type TextDelta } from "../worker/protocol/agent";
import type { Approval, DecisionBody } from "../worker/protocol/approval";
import { ACCESS_REVOKED_CLOSE, ClientFrame, RECONNECT_CLOSE, TOKEN_REVOKED_CLOSE, type ServerFrame } from "../worker/protocol/frames";
import { decodeSocketActor, type SocketActor } from "../worker/protocol/socket-actor";
import type { WorkspaceRole } from "../worker/domain/policy";
import { isExpired, maySeeSession, type SessionAccess } from "../worker/domain/visibility";
import { newId } from "../worker/protocol/ids";
import type { SessionEvent } from "../worker/protocol/events";
import type { SessionSummary } from "../worker/protocol/session";
import type { RoomResult, SessionRoomRpc } from "../worker/protocol/room-rpc";
import { configFrom } from "../worker/config";
import { MAX_SCRUB_DEPTH, nestsDeeperThan } from "../worker/domain/scrub";
import { decisionAllowed } from "../worker/auth/rate-limit";
import { workspaceHub } from "../worker/rooms";
import { EMPTY_ROOM, step, toPublicApproval, type CreateInput, type SessionFacts, type RoomInput, type RoomState, type StepResult } from "./core/room";
import { needsAgent } from "./core/status";
import { LiveTextStreams } from "./core/live-text";
import { ingestEvents, oversize } from "./agent-ingest";
import { HeldWrite } from "./held-write";
import { earlyAnswer, RuleAnswers } from "./rule-answers";
import { canonicalSha256 } from "./hash";
import { RoomAuthority } from "./room-authority";
import { RoomOutbox } from "./room-outbox";
import { RoomRules } from "./room-rules";
import { resolveRouting } from "./routing-resolve";
import type { RuleVerdict } from "../worker/protocol/rules";
import * as store from "./storage";
import { errorFrame, parseFrame, safeSend } from "./sockets";
import { toSummary } from "./summary";
import { decisionProof } from "./decision-proof";
import type { MachinePolicy } from "../worker/protocol/room-rpc";

/** The hash of an approve's edit (the step refuses a too-deep edit before any hash is needed). */
function editSha256Of(body: DecisionBody): string | undefined {
  const edit = body.decision === "approve" ? body.updatedInput : undefined;
  return edit && !nestsDeeperThan(edit, MAX_SCRUB_DEPTH) ? canonicalSha256(edit) : undefined;
}

/**
 * How long the records of calls its rules answered may wait after their answers left, unless another input
 * needs storage first: until the agent pauses for `quietMs`, and never longer than `maxMs`. Their writes then
 * commit together, rather than one commit per call holding the next call's answer behind it.
 */
const RULE_RECORD_HOLD = { quietMs: 20, maxMs: 1000 };

/** Per socket: its side, and for a viewer the caller as the upgrade route authenticated them (kept current by pushes). */
type Role = { role: "viewer" | "agent"; subject: string; tokenId: string; actor: SocketActor | null };

export class SessionRoom extends Server<Env> implements SessionRoomRpc {
  static override options = { hibernate: true };
  #state: RoomState = EMPTY_ROOM;
  #seq = 0;
  #outbox!: RoomOutbox;
  #alarmAt: number | null = null;
  readonly #authority = new RoomAuthority(this.env, () => this.#state.session);
  readonly #liveText = new LiveTextStreams();
  readonly #rules = new RoomRules(this.env);
  readonly #ruled = new RuleAnswers();
  readonly #held = new HeldWrite(RULE_RECORD_HOLD, (e) => {
    console.error(`room ${this.name}: a held write failed; resetting the room from storage`, e);
    this.ctx.abort("a held write failed");
  });

  override async onStart(): Promise<void> {
    this.#alarmAt = await this.ctx.storage.getAlarm();
    store.migrate(this.ctx.storage.sql);
    this.#ruled.load(this.ctx.storage.sql);
    const session = store.loadSession(this.ctx.storage.sql);
    const agentConnected = [...this.getConnections("agent")].length > 0;
    this.#state = { session, approvals: store.loadApprovals(this.ctx.storage.sql), agentConnected };
    this.#seq = store.lastSeq(this.ctx.storage.sql);
    const cursor = { load: () => store.loadIndexedUpTo(this.ctx.storage.sql), save: (seq: number) => store.saveIndexedUpTo(this.ctx.storage.sql, seq) };
    this.#outbox = new RoomOutbox(
      this.env,
      this.ctx.storage,
      () => toSummary(this.#state, this.#seq),
      cursor,
      () => this.#rearm(),
    );
    // After a restart of the runtime no close event arrives for the agent's old socket: if the
    // session still needs an agent and none is connected, start the agent-lost clock now.
    if (session && needsAgent(session.status) && !agentConnected) this.#apply({ type: "agent-disconnected" });
    this.#outbox.resume();
  }

  override getConnectionTags(_c: Connection, ctx: ConnectionContext): string[] {
    return [ctx.request.headers.get("x-tower-role") === "agent" ? "agent" : "viewer"];
  }

  override onConnect(conn: Connection<Role>, ctx: ConnectionContext): void {
    this.#held.flush();
    const role = ctx.request.headers.get("x-tower-role") === "agent" ? "agent" : "viewer";
    const headers = ctx.request.headers;
    const actor = decodeSocketActor(headers.get("x-tower-actor"));
    if (role === "viewer" && !actor) return conn.close(1011, "the upgrade carried no caller");
    conn.setState({
      role,
      subject: actor?.subject ?? headers.get("x-tower-subject") ?? "unknown",
      tokenId: actor?.tokenId ?? headers.get("x-tower-token") ?? "",
      actor,
    });
    this.#trackToken(conn.state?.tokenId ?? "", true);
    if (role === "agent") {
      this.#apply({ type: "agent-connected" });
      return;
    }
    const summary = toSummary(this.#state, this.#seq);
    if (!summary) return conn.close(1011, "session not found");
    const approvals = Object.values(this.#state.approvals)
      .filter((a) => a.status === "pending")
      .map(toPublicApproval);
    safeSend(conn, { type: "snapshot", session: summary, approvals, lastSeq: this.#seq } satisfies ServerFrame);
    let after = Number(new URL(ctx.request.url).searchParams.get("after") ?? 0) || 0;
    for (;;) {
      const events = store.readEvents(this.ctx.storage.sql, after, 500);
      if (events.length === 0) break;
      safeSend(conn, { type: "events", events, replay: true } satisfies ServerFrame);
      after = events.at(-1)!.seq;
    }
  }

  /** Tells the workspace hub which tokens have sockets here, so revoking one can close them. */
  #trackToken(tokenId: string, open: boolean): void {
    const workspaceId = this.#state.session?.workspaceId;
    if (!tokenId || !workspaceId) return;
    const target = `session:${this.name}`;
    this.ctx.waitUntil(
      workspaceHub(this.env, workspaceId)
        .then((hub) => (open ? hub.track(tokenId, target) : hub.untrack(tokenId, target)))
        .catch((e) => console.error("token tracking", e)),
    );
  }

  /** Closes every socket opened with a token that has just been revoked. */
  async closeToken(tokenId: string): Promise<void> {
    for (const c of this.getConnections<Role>()) if (c.state?.tokenId === tokenId) c.close(TOKEN_REVOKED_CLOSE, "token revoked");
  }

  /** The session's shares changed (the share and handoff routes push them): viewers who lost it are closed. */
  async setGrants(grants: SessionAccess["grants"]): Promise<void> {
    this.#authority.setGrants(grants);
    await this.#recheckViewers();
  }

  /** A member's role changed (the hub forwards it for each token with sockets here). */
  async reauthorize(tokenId: string, role: WorkspaceRole | null): Promise<void> {
    for (const c of this.getConnections<Role>("viewer")) {
      if (c.state?.actor?.tokenId === tokenId) c.setState({ ...c.state, actor: { ...c.state.actor, role } });
    }
    await this.#recheckViewers();
  }

  async #recheckViewers(): Promise<void> {
    const access = await this.#authority.access();
    for (const c of this.getConnections<Role>("viewer")) {
      if (!c.state?.actor) c.close(RECONNECT_CLOSE, "reconnect to resume");
      else if (!maySeeSession(c.state.actor, access)) c.close(ACCESS_REVOKED_CLOSE, "you may no longer see this session");
    }
  }

  override onClose(conn: Connection<Role>): void {
    const tokenId = conn.state?.tokenId ?? "";
    if ([...this.getConnections<Role>()].every((c) => c.id === conn.id || c.state?.tokenId !== tokenId)) this.#trackToken(tokenId, false);
    if (conn.state?.role === "agent" && [...this.getConnections("agent")].every((c) => c.id === conn.id)) {
      this.#apply({ type: "agent-disconnected" });
    }
  }

  override async onMessage(conn: Connection<Role>, raw: WSMessage): Promise<void> {
    // An agent's frame reads what is held through the intake; `#apply` flushes for any step it does not hold.
    if (conn.state?.role === "agent") return this.#onAgentFrame(conn, raw);
    this.#held.flush();
    const frame = parseFrame(ClientFrame, raw);
    if (!frame.ok) return errorFrame(conn, null, "BAD_REQUEST", frame.message);
    const ref = frame.value.ref ?? null;
    const by = conn.state?.subject ?? "unknown";
    if (frame.value.type === "ping") return safeSend(conn, { type: "pong", ref } satisfies ServerFrame);
    if (!conn.state?.actor) return conn.close(RECONNECT_CLOSE, "reconnect to resume");
    const refused = await this.#authority.refusal(conn.state.actor, Date.now());
    if (refused) {
      errorFrame(conn, ref, refused.code, refused.message);
      if (refused.close) conn.close(TOKEN_REVOKED_CLOSE, "token expired");
      return;
    }
    if (frame.value.type === "decide" && !(await decisionAllowed(this.env, conn.state.tokenId))) {
      return errorFrame(conn, ref, "RATE_LIMITED", "Too many decisions from this token in the last minute; wait a little and try again.");
    }
    const r =
      frame.value.type === "decide"
        ? await this.#decide(frame.value.approvalId, frame.value.body, by, conn.state.actor.userId)
        : this.#apply({ type: "interrupt", by });
    if (r.ok) safeSend(conn, { type: "ack", ref } satisfies ServerFrame);
    else errorFrame(conn, ref, r.code, r.message);
  }

  #onAgentFrame(conn: Connection<Role>, raw: WSMessage): void {
    const tooLarge = typeof raw === "string" ? oversize(raw) : null;
    if (tooLarge) return errorFrame(conn, null, "BAD_REQUEST", tooLarge);
    const frame = parseFrame(AgentToRoomWire, raw);
    if (!frame.ok) return errorFrame(conn, null, "BAD_REQUEST", frame.message);
    if (frame.value.type === "resync") {
      this.#apply({ type: "resync", waiting: frame.value.waiting });
      return;
    }
    if (frame.value.type === "text-delta") return this.#onTextDelta(frame.value);
    if (frame.value.type === "decision-refused") {
      this.#apply({ type: "decision-refused", requestId: frame.value.requestId, reason: frame.value.reason });
      return;
    }
    const { ack, unreadable } = ingestEvents(this.ctx.storage.sql, frame.value.events, (envelope) => this.#ingest(envelope), this.#held);
    for (const message of unreadable) errorFrame(conn, null, "BAD_REQUEST", message);
    // Acknowledged once stored: after a held write too (the agent keeps the request journalled until then).
    if (ack.length) this.#held.after(() => safeSend(conn, { type: "ack", ids: ack } satisfies RoomToAgentFrame));
  }

  /** Fans text Claude is still writing out to viewers, scrubbed, without storing it. */
  #onTextDelta(delta: TextDelta): void {
    if (!this.#state.session || !needsAgent(this.#state.session.status)) return;
    const frame = this.#liveText.take(delta);
    if (frame) this.#toViewers(JSON.stringify(frame satisfies ServerFrame), Date.now());
  }

  /** Every frame to viewers goes through here: a viewer whose token has expired is closed instead. */
  #toViewers(frame: string, now: number): void {
    for (const c of this.getConnections<Role>("viewer")) {
      if (c.state?.actor && isExpired(c.state.actor, now)) c.close(TOKEN_REVOKED_CLOSE, "token expired");
      else safeSend(c, frame);
    }
  }

  /** Steps one new agent event (`ingestEvents` has checked it is new and next in its run). */
  #ingest(envelope: AgentEnvelope): void {
    const ev = envelope.event;
    // A too-deep input is denied by the step without a hash (hashing it would exhaust the stack).
    const inputSha256 = ev.type === "approval-request" && !nestsDeeperThan(ev.input, MAX_SCRUB_DEPTH) ? canonicalSha256(ev.input) : undefined;
    const session = this.#state.session;
    // A resend with the rule's decision the agent applied, which the room lost (it crashed before its write).
    if (ev.type === "approval-request" && ev.applied && session && !Object.values(this.#state.approvals).some((a) => a.requestId === ev.requestId)) {
      const { input, ingested, refused } = this.#ruled.applied(envelope, session.id, inputSha256);
      if (refused) console.error(`room ${this.name}: request ${ev.requestId}: ${refused}`);
      this.#apply(input, ingested);
      return;
    }
    // Rules known current judge in the request's own step, unless the verdict routes the call (who may
    // decide is read first); otherwise they are fetched, then judge (#judge).
    const verdict = ev.type === "approval-request" && session ? this.#rules.cachedVerdict(session, ev) : undefined;
    const inStep = verdict !== undefined && !verdict?.route;
    const r = this.#apply({ type: "agent-event", envelope, ...(inputSha256 ? { inputSha256 } : {}), ...(inStep ? { verdict } : {}) }, envelope);
    if (ev.type === "approval-request" && !inStep && r.ok && r.approval?.status === "pending") this.#judge(r.approval.id, ev, verdict);
  }

  /** A new version of the workspace's rules was saved; false once this session needs no rules any more. */
  async rulesChanged(version: number): Promise<boolean> {
    this.#rules.changed(version);
    const s = this.#state.session;
    return s !== null && (needsAgent(s.status) || s.status === "queued");
  }

  /**
   * Asks the workspace's rules about a call that now waits for a person: an allow or deny resolves it
   * (first decision wins, so a person who answered meanwhile stands); an ask, no rules, or a failure to
   * read them leaves it to a person.
   */
  #judge(approvalId: string, call: Parameters<RoomRules["verdict"]>[1], known: RuleVerdict | null | undefined): void {
    const session = this.#state.session;
    if (!session) return;
    // A routed ask resolves who may decide first (one D1 read), so no decision reads D1.
    const judged = (known !== undefined ? Promise.resolve(known) : this.#rules.verdict(session, call))
      .then(async (verdict) => {
        if (!verdict || (verdict.decision === "ask" && !verdict.route && !verdict.held)) return;
        const routing = verdict.route ? await resolveRouting(this.env, session, verdict) : null;
        this.#apply({ type: "rule-verdict", approvalId, verdict, ...(routing ? { routing } : {}) });
      })
      .catch((e) => console.error(`room ${this.name}: approval rules`, e));
    this.ctx.waitUntil(judged);
  }

  /**
   * Runs one input: step, persist atomically (with the agent event it consumes, if any: its id and
   * place in its run), then perform effects. A refused agent event is still marked ingested: a resend
   * would be refused too. A call its rules decide in its request's own step is answered first and the
   * write held (held-write.ts): the answer carries the room's seal, which the agent journals.
   */
  #apply(input: RoomInput, ingested?: AgentEnvelope): StepResult {
    const cfg = configFrom(this.env);
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    const r = step(this.#state, input, { now, newApprovalId: () => newId("apr"), ...cfg });
    const early = r.ok ? earlyAnswer(r.effects, input) : undefined;
    // Writes stay in order: whatever is held is written before a write that is not.
    if (!early) this.#held.flush();
    if (!r.ok) {
      if (ingested) store.markIngested(sql, ingested);
      return r;
    }
    const prior = { state: this.#state, seq: this.#seq };
    const before = toSummary(prior.state, prior.seq);
    // Memory moves on at once (the next input steps on it); storage follows in `write`, now or held.
    this.#state = r.state;
    this.#seq = prior.seq + r.effects.filter((e) => e.type === "emit").length;
    const after = toSummary(r.state, this.#seq);
    const write = () => {
      const emitted: SessionEvent[] = [];
      let seq = prior.seq;
      this.ctx.storage.transactionSync(() => {
        for (const e of r.effects) {
          if (e.type === "emit") emitted.push(store.appendEvent(sql, ++seq, now, e.body));
          else if (e.type === "save-approval") store.saveApproval(sql, e.approval);
          else if (e.type === "schedule") store.putSchedule(sql, e.key, e.at, e.timer, e.keep);
          else if (e.type === "unschedule") store.dropSchedule(sql, e.key);
        }
        if (r.state.session) store.saveSession(sql, r.state.session);
        if (ingested) store.markIngested(sql, ingested);
        // What must follow this change (D1, the link, the hub, the audit log) commits with it.
        this.#outbox.record(r.effects, emitted, before, after, now);
      });
      this.#outbox.committed();
      for (const e of emitted) this.#endLiveText(e);
      if (emitted.length) this.#toViewers(JSON.stringify({ type: "events", events: emitted, replay: false } satisfies ServerFrame), now);
      for (const e of r.effects) if (e.type === "send-agent" && e !== early) this.#toAgent(e);
      this.#rearm();
    };
    if (early) {
      this.#toAgent(early);
      this.#held.hold(write, ingested);
      return r;
    }
    try {
      write();
    } catch (e) {
      // The transaction rolled back: so does memory (a rolled-back write must not leave a gap in the seq).
      this.#state = prior.state;
      this.#seq = prior.seq;
      throw e;
    }
    return r;
  }

  /** A frame to the agent; a rule's decision goes with the room's seal on it. */
  #toAgent(e: Parameters<RuleAnswers["frame"]>[0]): void {
    const frame = this.#ruled.frame(e, this.#state.session?.id);
    for (const c of this.getConnections("agent")) safeSend(c, frame);
  }

  /** A stored final message (or the run's end) ends the live text it replaces. */
  #endLiveText(e: SessionEvent): void {
    if (e.type === "run-ended") return this.#liveText.clear();
    const m = e.type === "sdk-message" && e.message.type === "assistant" ? e.message.message : undefined;
    if (m && typeof m === "object" && !Array.isArray(m) && typeof m.id === "string") this.#liveText.finish(m.id);
  }

  /**
   * Points the room's one alarm at the earliest timer, lazily: an alarm already set no later than that
   * stays, even when what it was for is gone (the outbox delivered, an approval decided). Firing early
   * is harmless (onAlarm takes only what is due, then points the alarm at the rest), while moving or
   * deleting it is a storage write on every flush, and outgoing frames wait on storage writes.
   */
  #rearm(): void {
    const due = store.nextDue(this.ctx.storage.sql);
    if (due === null || (this.#alarmAt !== null && this.#alarmAt <= due)) return;
    this.#alarmAt = due;
    // A due time already past (a retry overdue) fires at once; the runtime refuses times <= 0.
    void this.ctx.storage.setAlarm(Math.max(due, Date.now()));
  }

  override async onAlarm(): Promise<void> {
    this.#held.flush();
    this.#alarmAt = null; // the alarm that fired is spent
    for (const timer of store.takeDue(this.ctx.storage.sql, Date.now())) this.#apply({ type: "timer", timer });
    const delivered = this.#outbox.onAlarm(Date.now());
    this.#rearm();
    await delivered;
  }

  // ---- RPC, called by the Worker's routes after authentication ----

  async create(input: CreateInput): Promise<RoomResult<SessionSummary>> {
    return this.#result(this.#apply({ type: "create", session: input }));
  }

  /** Answers once the decision is durable with what must follow it, and its delivery has been tried. */
  async decide(approvalId: string, body: DecisionBody, by: string, userId: string | null = null): Promise<RoomResult<Approval>> {
    const r = await this.#decide(approvalId, body, by, userId);
    await this.#outbox.settled();
    return r.ok ? { ok: true as const, value: toPublicApproval(r.approval!) } : r;
  }

  /**
   * Every decision (RPC and socket) comes here: a signed one is checked and given its proof first (no
   * read at all for an unsigned one), then the step decides.
   */
  async #decide(approvalId: string, body: DecisionBody, by: string, userId: string | null): Promise<StepResult> {
    const editSha256 = editSha256Of(body);
    const rec = this.#state.approvals[approvalId];
    const checked = body.signed
      ? await decisionProof(this.env, this.#state.session?.workspaceId ?? "", rec ? toPublicApproval(rec) : null, body, editSha256 ?? null, userId)
      : { ok: true as const };
    if (!checked.ok) return checked;
    return this.#apply({
      type: "decide",
      approvalId,
      body,
      by,
      userId,
      ...(editSha256 ? { editSha256 } : {}),
      ...(checked.proof ? { proof: checked.proof } : {}),
    });
  }

  /** One approval as the room holds it (the inbox in D1 may trail it). */
  approval(id: string): Approval | null {
    this.#held.flush();
    const rec = this.#state.approvals[id];
    return rec ? toPublicApproval(rec) : null;
  }

  async interrupt(by: string): Promise<RoomResult<SessionSummary>> {
    return this.#result(this.#apply({ type: "interrupt", by }));
  }

  async continueWith(prompt: string, by: string): Promise<RoomResult<SessionSummary>> {
    return this.#result(this.#apply({ type: "continue", prompt, runId: newId("ses").slice(4), by }));
  }

  async setMachinePolicy(policy: MachinePolicy): Promise<void> {
    if (!this.#state.session) return;
    this.#apply({ type: "machine-policy", ...policy });
    // Calls already waiting are judged by it too: one it denies is denied before any person approves it.
    for (const rec of Object.values(this.#state.approvals)) {
      const session = this.#state.session;
      const verdict = rec.status === "pending" && session ? this.#rules.machineVerdict(session, rec) : null;
      if (verdict) this.#apply({ type: "rule-verdict", approvalId: rec.id, verdict });
    }
    await this.#outbox.settled();
  }

  async handoff(ownerId: string, by: string): Promise<RoomResult<SessionSummary>> {
    return this.#result(this.#apply({ type: "handoff", ownerId, by }));
  }

  async patch(title?: string, archived?: boolean): Promise<RoomResult<SessionSummary>> {
    return this.#result(this.#apply({ type: "patch", ...(title !== undefined ? { title } : {}), ...(archived !== undefined ? { archived } : {}) }));
  }

  /** The authoritative summary (D1's copy may trail it by the outbox's coalescing window). */
  summary(): SessionSummary | null {
    this.#held.flush();
    return toSummary(this.#state, this.#seq);
  }

  /** What a fork of this session starts from: Claude's session and the cost it already carries. */
  forkBasis(): { claudeSessionId: string | null; claudeCostUsd: number } {
    const s = this.#state.session;
    return { claudeSessionId: s?.claudeSessionId ?? null, claudeCostUsd: s?.tally.claudeCostUsd ?? 0 };
  }

  /** The launch spec, for "save as template". */
  launchSpec(): SessionFacts["spec"] | null {
    return this.#state.session?.spec ?? null;
  }

  events(after: number, limit: number): { events: SessionEvent[]; lastSeq: number } {
    this.#held.flush();
    return { events: store.readEvents(this.ctx.storage.sql, after, limit), lastSeq: this.#seq };
  }

  async #result(r: StepResult): Promise<RoomResult<SessionSummary>> {
    if (!r.ok) return r;
    await this.#outbox.settled();
    return { ok: true, value: toSummary(this.#state, this.#seq)! };
  }
}
