/**
 * WorkspaceHub: one per workspace. Viewers of the session list, the approvals inbox and the
 * machines page connect here; rooms and agent links publish deltas, which the hub fans out.
 * A (re)connecting viewer gets the inbox and presence from D1 in `hello`, and deltas that arrive
 * while that read is in flight are held and sent after it, never before.
 * It also knows which Durable Objects hold sockets opened with which token, so that revoking or
 * rotating a token closes every socket it opened, wherever it is.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import { TOKEN_REVOKED_CLOSE, type HubFrame } from "../worker/protocol/frames";
import { makeDb } from "../worker/db/client";
import { listAgents } from "../worker/db/agents";
import { listApprovals } from "../worker/db/approvals";
import { agentLink, sessionRoom } from "../worker/rooms";
import { safeSend } from "./sockets";


type HubConn = { tokenId: string };

export class WorkspaceHub extends Server<Env> {
  static override options = { hibernate: true };
  /** Connections still waiting for their `hello`, with the deltas held for them. */
  readonly #held = new Map<string, string[]>();

  override onStart(): void {
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS hub_sockets (token_id TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (token_id, target))`);
  }

  override async onConnect(conn: Connection<HubConn>, ctx: ConnectionContext): Promise<void> {
    conn.setState({ tokenId: ctx.request.headers.get("x-tower-token") ?? "" });
    this.#held.set(conn.id, []);
    const db = makeDb(this.env.DB);
    try {
      const [approvals, agents] = await Promise.all([
        listApprovals(db, this.name, { status: "pending", limit: 200 }),
        listAgents(db, this.name),
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

  async publish(frames: HubFrame[]): Promise<void> {
    const encoded = frames.map((f) => JSON.stringify(f));
    for (const conn of this.getConnections()) {
      const held = this.#held.get(conn.id);
      if (held) held.push(...encoded);
      else for (const f of encoded) safeSend(conn, f);
    }
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
      if (tokenIds.includes(conn.state?.tokenId ?? "")) conn.close(TOKEN_REVOKED_CLOSE, "token revoked");
    }
    for (const tokenId of tokenIds) {
      const targets = this.ctx.storage.sql.exec<{ target: string }>(`SELECT target FROM hub_sockets WHERE token_id = ?`, tokenId).toArray();
      for (const { target } of targets) {
        const [kind, id] = target.split(":") as [string, string];
        const holder = kind === "session" ? await sessionRoom(this.env, id) : await agentLink(this.env, id);
        await holder.closeToken(tokenId);
      }
      this.ctx.storage.sql.exec(`DELETE FROM hub_sockets WHERE token_id = ?`, tokenId);
    }
  }
}
