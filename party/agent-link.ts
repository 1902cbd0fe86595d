/**
 * AgentLink: one per machine. Holds the agent's control socket, records its presence in D1 and on
 * the workspace hub, and keeps a durable queue of launch orders that it delivers when the agent is
 * (or comes back) online; an order leaves the queue only when the agent acknowledges it. A room's
 * outbox may deliver an order or a cancel twice: both are idempotent by run id, and a run once
 * acknowledged or cancelled is never queued again. Presence is written by one writer at a time, as
 * the sockets are when it writes, so a late close of a replaced socket cannot leave a live machine offline.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import { AgentToLinkFrame, LaunchOrder, type LinkToAgentFrame, type MachineInfo } from "../worker/protocol/agent";
import { makeDb } from "../worker/db/client";
import { getAgentPresence, markAgentOffline, markAgentOnline } from "../worker/db/agents";
import type { AgentId } from "../worker/protocol/ids";
import { errorFrame, parseFrame, safeSend } from "./sockets";
import { workspaceHub } from "../worker/rooms";
import { TOKEN_REVOKED_CLOSE } from "../worker/protocol/frames";
import { WriteBehind } from "./write-behind";

/** Per socket: the token it was opened with, and the machine once it has said hello. */
type LinkSocket = { tokenId: string; machine?: MachineInfo };

export class AgentLink extends Server<Env> {
  static override options = { hibernate: true };
  /** Sockets whose close is being handled (they may still be listed while it runs). */
  readonly #closed = new Set<string>();
  readonly #presence = new WriteBehind<null>(
    () => this.#writePresence(),
    (e) => console.error("agent link: presence not written", e),
  );

  override onStart(): void {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS link_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS link_queue (run_id TEXT PRIMARY KEY, order_json TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS link_done (run_id TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
  }

  override onConnect(conn: Connection<LinkSocket>, ctx: ConnectionContext): void {
    const workspaceId = ctx.request.headers.get("x-tower-workspace");
    if (!workspaceId) return conn.close(1011, "missing workspace");
    this.#setWorkspace(workspaceId);
    const tokenId = ctx.request.headers.get("x-tower-token") ?? "";
    conn.setState({ tokenId });
    if (tokenId) this.ctx.waitUntil(workspaceHub(this.env, workspaceId).then((hub) => hub.track(tokenId, `link:${this.name}`)));
    // A restarted agent replaces its old socket: only the newest connection gets orders.
    for (const other of this.getConnections()) if (other.id !== conn.id) other.close(4000, "replaced by a newer connection");
    safeSend(conn, { type: "welcome", agentId: this.name as AgentId, name: ctx.request.headers.get("x-tower-agent-name") ?? "" } satisfies LinkToAgentFrame);
  }

  override async onMessage(conn: Connection<LinkSocket>, raw: WSMessage): Promise<void> {
    const frame = parseFrame(AgentToLinkFrame, raw);
    if (!frame.ok) return errorFrame(conn, null, "BAD_REQUEST", frame.message);
    switch (frame.value.type) {
      case "hello":
        conn.setState({ tokenId: conn.state?.tokenId ?? "", machine: frame.value.machine });
        this.#presence.push(null);
        await this.#presence.settled();
        this.#deliver(conn);
        return;
      case "launch-ack":
        this.#done(frame.value.runId);
        return;
      case "ping":
        return safeSend(conn, { type: "pong" } satisfies LinkToAgentFrame);
    }
  }

  override async onClose(conn: Connection): Promise<void> {
    this.#closed.add(conn.id);
    this.#presence.push(null);
    await this.#presence.settled();
  }

  /**
   * Writes presence as it is now (the newest socket that said hello, or offline), never as an event
   * saw it: writes run one at a time and the last one reads the sockets last, so it wins.
   */
  async #writePresence(): Promise<void> {
    const live = [...this.getConnections<LinkSocket>()].filter((c) => !this.#closed.has(c.id));
    const machine = live.findLast((c) => c.state?.machine)?.state?.machine;
    // A socket that has not said hello yet is connected: its hello writes it online, never offline first.
    if (live.length && !machine) return;
    const db = makeDb(this.env.DB);
    if (machine) await markAgentOnline(db, this.name, { ...machine, labels: [...machine.labels], versions: { ...machine.versions } }, Date.now());
    else await markAgentOffline(db, this.name, Date.now());
    await this.#publishPresence();
  }

  /** Queues a launch for this machine and hands it over at once if the agent is online. */
  async enqueue(workspaceId: string, order: LaunchOrder): Promise<void> {
    this.#setWorkspace(workspaceId);
    const parsed = LaunchOrder.parse(order);
    // A redelivery from a room's outbox of a run the agent already took (or that was cancelled).
    if (this.ctx.storage.sql.exec(`SELECT 1 FROM link_done WHERE run_id = ?`, parsed.runId).toArray().length) return;
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO link_queue (run_id, order_json, created_at) VALUES (?, ?, ?)`,
      parsed.runId,
      JSON.stringify(parsed),
      Date.now(),
    );
    for (const conn of this.getConnections()) safeSend(conn, { type: "launch", order: parsed } satisfies LinkToAgentFrame);
  }

  /** Closes the machine's socket if it was opened with a token that has just been revoked. */
  async closeToken(tokenId: string): Promise<void> {
    for (const c of this.getConnections<{ tokenId: string }>()) if (c.state?.tokenId === tokenId) c.close(TOKEN_REVOKED_CLOSE, "token revoked");
  }

  /**
   * The session was cancelled while queued: drops the launch if the agent has not taken it, and tells
   * the agent either way, since it may already hold the order (the launch gap) and be starting Claude Code.
   */
  async cancel(runId: string): Promise<void> {
    this.#done(runId);
    for (const conn of this.getConnections()) safeSend(conn, { type: "cancel", runId } satisfies LinkToAgentFrame);
  }

  /** The run left the queue for good: acknowledged by the agent, or cancelled. */
  #done(runId: string): void {
    this.ctx.storage.sql.exec(`DELETE FROM link_queue WHERE run_id = ?`, runId);
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO link_done (run_id, at) VALUES (?, ?)`, runId, Date.now());
  }

  queued(): LaunchOrder[] {
    const rows = this.ctx.storage.sql.exec<{ order_json: string }>(`SELECT order_json FROM link_queue ORDER BY created_at`);
    return [...rows].flatMap((r) => {
      const p = LaunchOrder.safeParse(JSON.parse(r.order_json));
      return p.success ? [p.data] : [];
    });
  }

  #deliver(conn: Connection): void {
    for (const order of this.queued()) safeSend(conn, { type: "launch", order } satisfies LinkToAgentFrame);
  }

  #setWorkspace(workspaceId: string): void {
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO link_meta (key, value) VALUES ('workspace', ?)`, workspaceId);
  }

  async #publishPresence(): Promise<void> {
    const row = this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM link_meta WHERE key = 'workspace'`).toArray()[0];
    const agent = await getAgentPresence(makeDb(this.env.DB), this.name);
    if (!row || !agent) return;
    const hub = await workspaceHub(this.env, row.value);
    await hub.publish([{ type: "agent-presence", agent }]);
  }
}
