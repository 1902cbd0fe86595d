/**
 * SessionRoom: the single writer of one session. It runs inputs through the pure `step()`, persists the resulting
 * events (with sequence numbers), approvals and timers in DO SQLite, then performs the effects: broadcast to viewers,
 * frames to the agent, launches through the machine's AgentLink, and a write-behind of the summary row to D1 and the
 * workspace hub. Its viewers (room-viewers.ts), agent frames (room-agent-frames.ts), decision checks (decision-proof.ts)
 * and writes, made now or held (room-writes.ts), live beside it; every change still goes through its one `#apply`.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import type { Approval, DecisionBody } from "../worker/protocol/approval";
import { ClientFrame, RECONNECT_CLOSE, TOKEN_REVOKED_CLOSE, type ServerFrame } from "../worker/protocol/frames";
import type { WorkspaceRole } from "../worker/domain/policy";
import type { SessionAccess } from "../worker/domain/visibility";
import { newId } from "../worker/protocol/ids";
import type { AgentEnvelope } from "../worker/protocol/agent";
import type { SessionEvent } from "../worker/protocol/events";
import type { SessionSummary } from "../worker/protocol/session";
import type { MachinePolicy, RoomResult, SessionRoomRpc } from "../worker/protocol/room-rpc";
import { configFrom } from "../worker/config";
import { decisionAllowed } from "../worker/auth/rate-limit";
import { EMPTY_ROOM, step, toPublicApproval, type CreateInput, type SessionFacts, type RoomInput, type RoomState, type StepResult } from "./core/room";
import { needsAgent } from "./core/status";
import { RoomAuthority } from "./room-authority";
import { RoomOutbox } from "./room-outbox";
import { RoomRules } from "./room-rules";
import { RoomKeys } from "./room-keys";
import { RoomViewers, type Role } from "./room-viewers";
import { RoomAgentFrames } from "./room-agent-frames";
import { checkDecision } from "./decision-proof";
import { RoomWrites, type RoomWrite } from "./room-writes";
import * as store from "./storage";
import { errorFrame, parseFrame, safeSend } from "./sockets";
import { toSummary } from "./summary";

export class SessionRoom extends Server<Env> implements SessionRoomRpc {
  static override options = { hibernate: true };
  #state: RoomState = EMPTY_ROOM;
  #seq = 0;
  #outbox!: RoomOutbox;
  #alarmAt: number | null = null;
  readonly #authority = new RoomAuthority(this.env, () => this.#state.session);
  readonly #rules = new RoomRules(this.env);
  readonly #keys = new RoomKeys(this.env);
  readonly #writes = new RoomWrites(this.ctx, { name: () => this.name, sessionId: () => this.#state.session?.id, agents: () => this.#viewers.side("agent") });
  readonly #viewers = new RoomViewers(
    {
      env: this.env,
      name: () => this.name,
      sql: this.ctx.storage.sql,
      workspaceId: () => this.#state.session?.workspaceId,
      connections: () => this.getConnections<Role>(),
      waitUntil: (p) => this.ctx.waitUntil(p),
    },
    this.#authority,
  );
  readonly #agentSide = new RoomAgentFrames({
    env: this.env,
    name: () => this.name,
    sql: this.ctx.storage.sql,
    rules: this.#rules,
    writes: this.#writes,
    state: () => this.#state,
    apply: (input, ingested) => this.#apply(input, ingested),
    toViewers: (frame, now) => this.#viewers.send(frame, now),
    waitUntil: (p) => this.ctx.waitUntil(p),
  });

  override async onStart(): Promise<void> {
    this.#alarmAt = await this.ctx.storage.getAlarm();
    store.migrate(this.ctx.storage.sql);
    this.#writes.load();
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
    // After a restart no close event comes for the agent's old socket: with none connected, the agent-lost clock starts.
    if (session && needsAgent(session.status) && !agentConnected) this.#apply({ type: "agent-disconnected" });
    this.#outbox.resume();
  }

  override getConnectionTags(_c: Connection, ctx: ConnectionContext): string[] {
    return [ctx.request.headers.get("x-tower-role") === "agent" ? "agent" : "viewer"];
  }

  override onConnect(conn: Connection<Role>, ctx: ConnectionContext): void {
    this.#writes.flush();
    const role = this.#viewers.admit(conn, ctx);
    if (role === "agent") this.#apply({ type: "agent-connected" });
    else if (role === "viewer") this.#viewers.greet(conn, ctx, toSummary(this.#state, this.#seq), this.#state.approvals, this.#seq);
  }

  async closeToken(tokenId: string): Promise<void> {
    this.#viewers.closeToken(tokenId);
  }

  async setGrants(grants: SessionAccess["grants"]): Promise<void> {
    await this.#viewers.setGrants(grants);
  }

  async reauthorize(tokenId: string, role: WorkspaceRole | null): Promise<void> {
    await this.#viewers.reauthorize(tokenId, role);
  }

  override onClose(conn: Connection<Role>): void {
    this.#viewers.closed(conn);
    if (conn.state?.role === "agent" && [...this.getConnections("agent")].every((c) => c.id === conn.id)) {
      this.#apply({ type: "agent-disconnected" });
    }
  }

  override async onMessage(conn: Connection<Role>, raw: WSMessage): Promise<void> {
    // An agent's frame reads what is held through the intake; `#apply` flushes for any step it does not hold.
    if (conn.state?.role === "agent") return this.#agentSide.onFrame(conn, raw);
    this.#writes.flush();
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

  /** A new version of the workspace's rules was saved; false once this session needs no rules any more. */
  async rulesChanged(version: number): Promise<boolean> {
    this.#rules.changed(version);
    return this.#listening();
  }

  /** A device key of the workspace was registered, enrolled or revoked; false once this session needs no keys any more. */
  async keysChanged(): Promise<boolean> {
    this.#keys.changed();
    return this.#listening();
  }

  #listening(): boolean {
    const s = this.#state.session;
    return s !== null && (needsAgent(s.status) || s.status === "queued");
  }

  /**
   * Runs one input: step, persist atomically (with the agent event it consumes, if any: its id and place in
   * its run), then perform effects. A refused agent event is still marked ingested: a resend would be refused
   * too. A call its rules decide in its own step is answered first and the write held (room-writes.ts).
   */
  #apply(input: RoomInput, ingested?: AgentEnvelope): StepResult {
    const now = Date.now();
    const r = step(this.#state, input, { now, newApprovalId: () => newId("apr"), ...configFrom(this.env) });
    const early = this.#writes.begin(r, input);
    if (!r.ok) {
      if (ingested) store.markIngested(this.ctx.storage.sql, ingested);
      return r;
    }
    const prior = { state: this.#state, seq: this.#seq, summary: toSummary(this.#state, this.#seq) };
    // Memory moves on at once (the next input steps on it); storage follows in `write`, now or held.
    this.#state = r.state;
    this.#seq = prior.seq + r.effects.filter((e) => e.type === "emit").length;
    const after = toSummary(r.state, this.#seq);
    // Staged, then written in one transaction with what must follow it (D1, the link, the hub, the audit log).
    const write = (batch: RoomWrite[]) => {
      const emitted = this.#writes.stage(r, prior.seq, now, ingested, batch);
      const rec = this.#outbox.record(batch, r.effects, emitted, prior.summary, after, now);
      return () => {
        this.#outbox.committed(rec);
        for (const e of emitted) this.#agentSide.stored(e);
        if (emitted.length) this.#viewers.send(JSON.stringify({ type: "events", events: emitted, replay: false } satisfies ServerFrame), now);
        for (const e of r.effects) if (e.type === "send-agent" && e !== early) this.#writes.toAgent(e);
        this.#rearm();
      };
    };
    // A rolled-back write rolls memory back too: it must not leave a gap in the seq.
    this.#writes.perform(early, write, ingested, () => ({ state: this.#state, seq: this.#seq } = prior));
    return r;
  }

  /**
   * Points the room's one alarm at the earliest timer, lazily: an alarm set no later stays, even when what it
   * was for is gone. Firing early is harmless (onAlarm takes only what is due, then points the alarm at the
   * rest), while moving or deleting it is a storage write on every flush, and outgoing frames wait on those.
   */
  #rearm(): void {
    const due = store.nextDue(this.ctx.storage.sql);
    if (due === null || (this.#alarmAt !== null && this.#alarmAt <= due)) return;
    this.#alarmAt = due;
    // A due time already past (a retry overdue) fires at once; the runtime refuses times <= 0.
    void this.ctx.storage.setAlarm(Math.max(due, Date.now()));
  }

  override async onAlarm(): Promise<void> {
    this.#writes.flush();
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

  /** Every decision (RPC and socket) comes here: checked (a signed one with its proof), then stepped. */
  async #decide(approvalId: string, body: DecisionBody, by: string, userId: string | null): Promise<StepResult> {
    const checked = await checkDecision(this.#keys, this.#state, approvalId, body, userId);
    return checked.ok ? this.#apply({ type: "decide", approvalId, body, by, userId, ...checked.extra }) : checked;
  }

  /** One approval as the room holds it (the inbox in D1 may trail it). */
  approval(id: string): Approval | null {
    this.#writes.flush();
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
    this.#writes.flush();
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
    this.#writes.flush();
    return { events: store.readEvents(this.ctx.storage.sql, after, limit), lastSeq: this.#seq };
  }

  async #result(r: StepResult): Promise<RoomResult<SessionSummary>> {
    if (!r.ok) return r;
    await this.#outbox.settled();
    return { ok: true, value: toSummary(this.#state, this.#seq)! };
  }
}
