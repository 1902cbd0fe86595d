/**
 * WorkspaceHub: one per workspace. Viewers of the session list, the approvals inbox and the
 * machines page connect here; rooms and agent links publish deltas, which the hub fans out.
 * It stores nothing: a (re)connecting viewer gets the inbox and presence from D1 in `hello`.
 */
import { Server, type Connection, type WSMessage } from "partyserver";
import type { HubFrame } from "../worker/protocol/frames";
import { makeDb } from "../worker/db/client";
import { listAgents } from "../worker/db/agents";
import { listApprovals } from "../worker/db/approvals";
import { safeSend } from "./sockets";

export class WorkspaceHub extends Server<Env> {
  static override options = { hibernate: true };

  override async onConnect(conn: Connection): Promise<void> {
    const db = makeDb(this.env.DB);
    const [approvals, agents] = await Promise.all([
      listApprovals(db, this.name, { status: "pending", limit: 200 }),
      listAgents(db, this.name),
    ]);
    safeSend(conn, { type: "hello", approvals, agents } satisfies HubFrame);
  }

  override onMessage(conn: Connection, raw: WSMessage): void {
    if (raw === "ping") safeSend(conn, "pong");
  }

  async publish(frames: HubFrame[]): Promise<void> {
    const encoded = frames.map((f) => JSON.stringify(f));
    for (const conn of this.getConnections()) for (const f of encoded) safeSend(conn, f);
  }
}
