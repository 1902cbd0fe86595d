/**
 * WorkspaceHub: one per workspace. Viewers of the session list, the approvals inbox and the
 * machines page connect here; rooms and agent links publish deltas, which the hub fans out.
 * It stores nothing: a (re)connecting viewer gets the inbox and presence from D1 in `hello`, and
 * deltas that arrive while that read is in flight are held and sent after it, never before.
 */
import { Server, type Connection, type WSMessage } from "partyserver";
import type { HubFrame } from "../worker/protocol/frames";
import { makeDb } from "../worker/db/client";
import { listAgents } from "../worker/db/agents";
import { listApprovals } from "../worker/db/approvals";
import { safeSend } from "./sockets";

export class WorkspaceHub extends Server<Env> {
  static override options = { hibernate: true };
  /** Connections still waiting for their `hello`, with the deltas held for them. */
  readonly #held = new Map<string, string[]>();

  override async onConnect(conn: Connection): Promise<void> {
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
}
