/**
 * WorkspaceHub: one per workspace. Viewers of the session list, the approvals inbox and the
 * machines page connect here; rooms and agent links publish deltas, which the hub fans out, each
 * frame to each connection only as the visibility rule (domain/visibility.ts) lets its caller see
 * it now: the caller's role, token expiry and the session's shares are re-read when they change.
 * A (re)connecting viewer gets the inbox and presence from D1 in `hello` (the same queries as HTTP),
 * and deltas that arrive while that read is in flight are held and sent after it, never before.
 * It also knows which Durable Objects hold sockets opened with which token, so that revoking a
 * token, or changing its member's role, reaches every socket it opened, wherever it is.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import { ACCESS_REVOKED_CLOSE, RECONNECT_CLOSE, TOKEN_REVOKED_CLOSE, type HubFrame } from "../worker/protocol/frames";
import type { SessionId } from "../worker/protocol/ids";
import { decodeSocketActor, type SocketActor } from "../worker/protocol/socket-actor";
import { can, type WorkspaceRole } from "../worker/domain/policy";
import { approvalListViewerOf, frameFor, frameSessionIds, isExpired, maySeeSession, type SessionAccess } from "../worker/domain/visibility";
import { makeDb } from "../worker/db/client";
import { listAgents } from "../worker/db/agents";
import { listApprovals } from "../worker/db/approvals";
import { sessionAccess } from "../worker/db/grants";
import { agentLink, sessionRoom } from "../worker/rooms";
import type { Verification } from "../worker/domain/audit-chain";
import { AuditSealer } from "./audit-sealer";
import { RulesCache } from "./rules-cache";
import { KeysCache } from "./keys-cache";
import { currentRuleSet } from "../worker/db/rules";
import { listDeviceKeys } from "../worker/db/device-keys";
import type { DeviceKeyInfo } from "../worker/protocol/device-keys";
import type { SessionRoomApi } from "../worker/rooms";
import { safeSend } from "./sockets";
import { PushNotifier } from "../worker/push/notify";

type HubConn = { actor: SocketActor };

const removed = (sessionId: string) => JSON.stringify({ type: "session-removed", sessionId: sessionId as SessionId } satisfies HubFrame);

/** Room activity is chained into the audit log at most this long after it happened; see sealAuditSoon. */
const SEAL_EVERY_MS = 1000;

/** Sessions whose access the hub keeps in memory; past this the cache starts over (it refills from D1). */
const ACCESS_CACHE_MAX = 5000;

export class WorkspaceHub extends Server<Env> {
  static override options = { hibernate: true };
  /** Connections still waiting for their `hello`, with the deltas held for them. */
  readonly #held = new Map<string, string[]>();
  /** Owner and grants of the sessions frames name: read from D1 on first sight, replaced by `accessChanged`. */
  readonly #access = new Map<string, SessionAccess>();
  /** Deliveries and re-checks run one at a time, so frames keep their order whatever each one reads. */
  #queue: Promise<void> = Promise.resolve();
  #sealer: AuditSealer | undefined;
  /** An alarm is set to seal (memory only: after a restart one more setAlarm just moves it). */
  #sealArmed = false;
  readonly #accessOf = (id: string) => this.#access.get(id) ?? null;
  readonly #rules = new RulesCache(() => currentRuleSet(makeDb(this.env.DB), this.name));
  readonly #keys = new KeysCache(() => listDeviceKeys(makeDb(this.env.DB), this.name, null));
  #notifier: PushNotifier | undefined;
  /** Pushes run one batch at a time (a close never overtakes its show), beside the sockets' queue, never in it. */
  #pushing: Promise<void> = Promise.resolve();

  override onStart(): void {
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS hub_sockets (token_id TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (token_id, target))`);
    // Rooms holding the workspace's rules or keys (named when it held only rules; kept so listeners survive).
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS hub_rule_rooms (session_id TEXT PRIMARY KEY)`);
  }

  override async onConnect(conn: Connection<HubConn>, ctx: ConnectionContext): Promise<void> {
    const actor = decodeSocketActor(ctx.request.headers.get("x-tower-actor"));
    if (!actor) return conn.close(1011, "the upgrade carried no caller");
    conn.setState({ actor });
    this.#held.set(conn.id, []);
    const db = makeDb(this.env.DB);
    try {
      const [approvals, agents] = await Promise.all([
        listApprovals(db, this.name, { status: "pending", limit: 200 }, approvalListViewerOf(actor)),
        can(actor, "agent.list").ok ? listAgents(db, this.name) : [],
      ]);
      safeSend(conn, { type: "hello", approvals, agents } satisfies HubFrame);
      for (const f of this.#held.get(conn.id) ?? []) safeSend(conn, f);
    } finally {
      this.#held.delete(conn.id);
    }
  }

  override onClose(conn: Connection): void {
    this.#held.delete(conn.id);
  }

  override onMessage(conn: Connection, raw: WSMessage): void {
    if (raw === "ping") safeSend(conn, "pong");
  }

  publish(frames: HubFrame[]): Promise<void> {
    this.#push(frames);
    return this.#serially(() => this.#deliver(frames));
  }

  /** Approvals go to the deciders' devices too: after the room's D1 write, off the path of its reply (waitUntil). */
  #push(frames: HubFrame[]): void {
    const approvals = frames.flatMap((f) => (f.type === "approval-upsert" ? [f.approval] : []));
    if (!approvals.length) return;
    const notifier = (this.#notifier ??= new PushNotifier(this.env, this.name));
    this.#pushing = this.#pushing.then(() => notifier.approvalsChanged(approvals)).catch((e) => console.error("workspace hub: push", e));
    this.ctx.waitUntil(this.#pushing);
  }

  /** The push route stored a subscription: approvals from now on look for devices again. */
  async pushSubscribed(): Promise<void> {
    this.#notifier?.subscribed();
  }

  #serially(job: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(job);
    this.#queue = run.catch((e) => console.error("workspace hub", e));
    return run;
  }

  async #deliver(frames: HubFrame[]): Promise<void> {
    if (![...this.getConnections()].length) return; // nobody to filter for: no reads
    await this.#load(frames.flatMap(frameSessionIds));
    for (const f of frames) {
      // The summary is the room's own word on who owns the session (a handoff changes it).
      const known = f.type === "session-upsert" ? this.#access.get(f.session.id) : undefined;
      if (known && f.type === "session-upsert") this.#access.set(f.session.id, { ...known, ownerId: f.session.ownerId });
    }
    const now = Date.now();
    for (const conn of this.getConnections<HubConn>()) {
      const actor = this.#liveActor(conn, now);
      if (!actor) continue;
      for (const f of frames) {
        const shown = frameFor(actor, f, this.#accessOf);
        if (shown) this.#send(conn, JSON.stringify(shown));
      }
    }
  }

  #send(conn: Connection, encoded: string): void {
    const held = this.#held.get(conn.id);
    if (held) held.push(encoded);
    else safeSend(conn, encoded);
  }

  /** The connection's caller, or null (and the socket closed) once its token has expired. */
  #liveActor(conn: Connection<HubConn>, now: number): SocketActor | null {
    const actor = conn.state?.actor;
    if (!actor) {
      conn.close(RECONNECT_CLOSE, "reconnect to resume");
      return null;
    }
    if (!isExpired(actor, now)) return actor;
    conn.close(TOKEN_REVOKED_CLOSE, "token expired");
    return null;
  }

  async #load(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#access.has(id));
    if (!missing.length) return;
    if (this.#access.size + missing.length > ACCESS_CACHE_MAX) this.#access.clear();
    for (const [id, a] of await sessionAccess(makeDb(this.env.DB), this.name, missing)) this.#access.set(id, a);
  }

  /**
   * A session's shares or owner changed (`before` → `after`): callers who could see it and no longer
   * may are told it is gone, and every later frame about it follows `after`.
   */
  accessChanged(sessionId: string, before: SessionAccess | null, after: SessionAccess | null): Promise<void> {
    return this.#serially(async () => {
      if (after) this.#access.set(sessionId, after);
      else this.#access.delete(sessionId);
      for (const conn of this.getConnections<HubConn>()) {
        const actor = conn.state?.actor;
        if (actor && maySeeSession(actor, before) && !maySeeSession(actor, after)) this.#send(conn, removed(sessionId));
      }
    });
  }

  /**
   * A member's role changed (null: they left): their sockets here and in every room take the new
   * role at once; sessions they no longer may see are removed from their lists.
   */
  async reauthorize(tokenIds: string[], role: WorkspaceRole | null): Promise<void> {
    await this.#serially(async () => {
      for (const conn of this.getConnections<HubConn>()) {
        const before = conn.state?.actor;
        if (!before || !tokenIds.includes(before.tokenId)) continue;
        if (!role) {
          conn.close(ACCESS_REVOKED_CLOSE, "no longer a member");
          continue;
        }
        const after = { ...before, role };
        conn.setState({ actor: after });
        for (const [sessionId, access] of this.#access) {
          if (maySeeSession(before, access) && !maySeeSession(after, access)) this.#send(conn, removed(sessionId));
        }
      }
    });
    for (const tokenId of tokenIds) {
      for (const { target } of this.#targets(tokenId)) {
        const [kind, id] = target.split(":") as [string, string];
        if (kind === "session") await (await sessionRoom(this.env, id)).reauthorize(tokenId, role);
      }
    }
  }

  #targets(tokenId: string): { target: string }[] {
    return this.ctx.storage.sql.exec<{ target: string }>(`SELECT target FROM hub_sockets WHERE token_id = ?`, tokenId).toArray();
  }

  /** Chains the workspace's pending audit entries now (this hub is the chain's one writer). */
  async sealAudit(): Promise<void> {
    await this.#audit().seal();
  }

  /**
   * Chains pending entries within SEAL_EVERY_MS, on the hub's alarm. Rooms call this after each
   * batch of session events: sealing per approval cost two D1 reads and a commit on the approval's
   * path, while the entries are already durable in audit_pending and every reader seals first.
   */
  async sealAuditSoon(): Promise<void> {
    if (this.#sealArmed) return;
    this.#sealArmed = true;
    await this.ctx.storage.setAlarm(Date.now() + SEAL_EVERY_MS);
  }

  override async onAlarm(): Promise<void> {
    this.#sealArmed = false;
    await this.#audit().seal();
  }

  verifyAudit(): Promise<Verification> {
    return this.#audit().verify();
  }

  #audit(): AuditSealer {
    return (this.#sealer ??= new AuditSealer(this.ctx.storage.sql, makeDb(this.env.DB), this.name));
  }

  /**
   * The approval rules for a room judging a call: the set only when the room's `have` is stale. The
   * room is told of every later version (`rulesChanged`) until it no longer needs them.
   */
  rulesSince(have: number | null, sessionId: string) {
    this.#listen(sessionId);
    return this.#rules.since(have);
  }

  /** The rules route wrote `version`: every room holding rules hears of it before the route answers. */
  async rulesChanged(version: number): Promise<void> {
    this.#rules.changed(version);
    await this.#tellRooms((room) => room.rulesChanged(version));
  }

  /** The workspace's device keys for a room checking a signed decision; the room is told of every change (`keysChanged`). */
  keysFor(sessionId: string): Promise<DeviceKeyInfo[]> {
    this.#listen(sessionId);
    return this.#keys.get();
  }

  /**
   * A keys route registered, enrolled or revoked a key: every room holding the keys drops them before the
   * route answers, so a revoked key is refused by the next decision anywhere.
   */
  async keysChanged(): Promise<void> {
    this.#keys.changed();
    await this.#tellRooms((room) => room.keysChanged());
  }

  #listen = (sessionId: string) => this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO hub_rule_rooms (session_id) VALUES (?)`, sessionId);

  /** Tells every listening room of a change; a room that answers false no longer listens (it fetches again if it needs to). */
  async #tellRooms(tell: (room: SessionRoomApi) => Promise<boolean>): Promise<void> {
    const rooms = this.ctx.storage.sql.exec<{ session_id: string }>(`SELECT session_id FROM hub_rule_rooms`).toArray();
    await Promise.all(
      rooms.map(async ({ session_id }) => {
        if (!(await tell(await sessionRoom(this.env, session_id)))) this.ctx.storage.sql.exec(`DELETE FROM hub_rule_rooms WHERE session_id = ?`, session_id);
      }),
    );
  }

  /** A room or link reports a socket opened with `tokenId` (`session:<id>` or `link:<agentId>`). */
  async track(tokenId: string, target: string): Promise<void> {
    if (tokenId) this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO hub_sockets (token_id, target) VALUES (?, ?)`, tokenId, target);
  }

  async untrack(tokenId: string, target: string): Promise<void> {
    this.ctx.storage.sql.exec(`DELETE FROM hub_sockets WHERE token_id = ? AND target = ?`, tokenId, target);
  }

  /** Closes every socket, here and in rooms and links, that was opened with one of these tokens. */
  async revoke(tokenIds: string[]): Promise<void> {
    for (const conn of this.getConnections<HubConn>()) {
      if (tokenIds.includes(conn.state?.actor?.tokenId ?? "")) conn.close(TOKEN_REVOKED_CLOSE, "token revoked");
    }
    for (const tokenId of tokenIds) {
      for (const { target } of this.#targets(tokenId)) {
        const [kind, id] = target.split(":") as [string, string];
        const holder = kind === "session" ? await sessionRoom(this.env, id) : await agentLink(this.env, id);
        await holder.closeToken(tokenId);
      }
      this.ctx.storage.sql.exec(`DELETE FROM hub_sockets WHERE token_id = ?`, tokenId);
    }
  }
}
