/**
 * The viewer side of a SessionRoom (party/session-room.ts): a joining viewer's snapshot and replay, every
 * frame fanned out to viewers (a viewer whose token expired is closed instead), and the pushes that
 * re-check who may still watch (shares, roles, revoked tokens, tracked with the workspace hub). It keeps the
 * room's open sockets of each side (open-sockets.ts), which every event's fan-out passes over.
 */
import type { Connection, ConnectionContext } from "partyserver";
import { ACCESS_REVOKED_CLOSE, RECONNECT_CLOSE, TOKEN_REVOKED_CLOSE, type ServerFrame } from "../worker/protocol/frames";
import { decodeSocketActor, type SocketActor } from "../worker/protocol/socket-actor";
import type { WorkspaceRole } from "../worker/domain/policy";
import { isExpired, maySeeSession, type SessionAccess } from "../worker/domain/visibility";
import type { SessionSummary } from "../worker/protocol/session";
import { toPublicApproval, type ApprovalRecord } from "./core/room";
import { workspaceHub } from "../worker/rooms";
import type { RoomAuthority } from "./room-authority";
import { OpenSockets } from "./open-sockets";
import { safeSend } from "./sockets";
import * as store from "./storage";

/** Per socket: its side, and for a viewer the caller as the upgrade route authenticated them (kept current by pushes). */
export type Role = { role: "viewer" | "agent"; subject: string; tokenId: string; actor: SocketActor | null };

/** What the viewer side needs of its room. */
export interface ViewerHost {
  env: Env;
  /** Read when used: partyserver knows a room's name only once it has started (an alarm wakes it nameless). */
  name(): string;
  sql: SqlStorage;
  workspaceId(): string | undefined;
  /** Every socket partyserver holds (read once per wake: see OpenSockets). */
  connections(): Iterable<Connection<Role>>;
  waitUntil(p: Promise<unknown>): void;
}

export class RoomViewers {
  readonly #open = new OpenSockets<Connection<Role>>(["viewer", "agent"], () => this.host.connections());

  constructor(
    private readonly host: ViewerHost,
    private readonly authority: RoomAuthority,
  ) {}

  /**
   * Sets a new socket's side and caller from the upgrade route's headers, and tracks its token; null when a
   * viewer's upgrade carried no caller (closed).
   */
  admit(conn: Connection<Role>, ctx: ConnectionContext): Role["role"] | null {
    const headers = ctx.request.headers;
    const role = headers.get("x-tower-role") === "agent" ? "agent" : "viewer";
    const actor = decodeSocketActor(headers.get("x-tower-actor"));
    if (role === "viewer" && !actor) {
      conn.close(1011, "the upgrade carried no caller");
      return null;
    }
    conn.setState({
      role,
      subject: actor?.subject ?? headers.get("x-tower-subject") ?? "unknown",
      tokenId: actor?.tokenId ?? headers.get("x-tower-token") ?? "",
      actor,
    });
    this.trackToken(conn.state?.tokenId ?? "", true);
    this.#open.opened(conn);
    return role;
  }

  /** A socket closed: its token is untracked once no other socket here was opened with it. */
  closed(conn: Connection<Role>): void {
    this.#open.closed(conn);
    const tokenId = conn.state?.tokenId ?? "";
    if ([...this.host.connections()].every((c) => c.id === conn.id || c.state?.tokenId !== tokenId)) this.trackToken(tokenId, false);
  }

  /** The room's open sockets of one side. */
  side(side: Role["role"]): Iterable<Connection<Role>> {
    return this.#open.tagged(side);
  }

  /** A new viewer gets the snapshot, then every event after its `after` from storage, before any live frame. */
  greet(conn: Connection<Role>, ctx: ConnectionContext, summary: SessionSummary | null, approvals: Record<string, ApprovalRecord>, lastSeq: number): void {
    if (!summary) return conn.close(1011, "session not found");
    const pending = Object.values(approvals)
      .filter((a) => a.status === "pending")
      .map(toPublicApproval);
    safeSend(conn, { type: "snapshot", session: summary, approvals: pending, lastSeq } satisfies ServerFrame);
    let after = Number(new URL(ctx.request.url).searchParams.get("after") ?? 0) || 0;
    for (;;) {
      const events = store.readEvents(this.host.sql, after, 500);
      if (events.length === 0) break;
      safeSend(conn, { type: "events", events, replay: true } satisfies ServerFrame);
      after = events.at(-1)!.seq;
    }
  }

  /** Every frame to viewers goes through here: a viewer whose token has expired is closed instead. */
  send(frame: string, now: number): void {
    for (const c of this.#open.tagged("viewer")) {
      if (c.state?.actor && isExpired(c.state.actor, now)) c.close(TOKEN_REVOKED_CLOSE, "token expired");
      else safeSend(c, frame);
    }
  }

  /** Tells the workspace hub which tokens have sockets here, so revoking one can close them. */
  trackToken(tokenId: string, open: boolean): void {
    const workspaceId = this.host.workspaceId();
    if (!tokenId || !workspaceId) return;
    const target = `session:${this.host.name()}`;
    this.host.waitUntil(
      workspaceHub(this.host.env, workspaceId)
        .then((hub) => (open ? hub.track(tokenId, target) : hub.untrack(tokenId, target)))
        .catch((e) => console.error("token tracking", e)),
    );
  }

  /** Closes every socket opened with a token that has just been revoked. */
  closeToken(tokenId: string): void {
    for (const c of this.host.connections()) if (c.state?.tokenId === tokenId) c.close(TOKEN_REVOKED_CLOSE, "token revoked");
  }

  /** The session's shares changed (the share and handoff routes push them): viewers who lost it are closed. */
  async setGrants(grants: SessionAccess["grants"]): Promise<void> {
    this.authority.setGrants(grants);
    await this.#recheck();
  }

  /** A member's role changed (the hub forwards it for each token with sockets here). */
  async reauthorize(tokenId: string, role: WorkspaceRole | null): Promise<void> {
    for (const c of this.#open.tagged("viewer")) {
      if (c.state?.actor?.tokenId === tokenId) c.setState({ ...c.state, actor: { ...c.state.actor, role } });
    }
    await this.#recheck();
  }

  async #recheck(): Promise<void> {
    const access = await this.authority.access();
    for (const c of this.#open.tagged("viewer")) {
      if (!c.state?.actor) c.close(RECONNECT_CLOSE, "reconnect to resume");
      else if (!maySeeSession(c.state.actor, access)) c.close(ACCESS_REVOKED_CLOSE, "you may no longer see this session");
    }
  }
}
