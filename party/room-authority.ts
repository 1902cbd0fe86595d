/**
 * Who may still watch or act through a SessionRoom's viewer sockets. The room knows its owner; the
 * session's grants live in D1, so the room reads them once (after it wakes) and the share routes push
 * every change (`SessionRoom.setGrants`), so a decision on the socket needs no read on its hot path.
 * The verdicts themselves come from domain/visibility.ts, the rule HTTP applies.
 */
import { isExpired, mayActOnSession, type SessionAccess } from "../worker/domain/visibility";
import { makeDb } from "../worker/db/client";
import { sessionAccess } from "../worker/db/grants";
import type { ErrorCode } from "../worker/protocol/errors";
import type { SocketActor } from "../worker/protocol/socket-actor";

type Grants = SessionAccess["grants"];
type SessionRef = { id: string; workspaceId: string; ownerId: string };

export class RoomAuthority {
  #grants: Grants | null = null;
  /** Bumped by every push, so a D1 read that started before a push never overwrites it. */
  #pushes = 0;

  constructor(
    private readonly env: Env,
    private readonly session: () => SessionRef | null,
  ) {}

  /** The session's owner and grants as they are now (one D1 read after the room wakes, none after). */
  async access(): Promise<SessionAccess | null> {
    const s = this.session();
    if (!s) return null;
    if (!this.#grants) {
      const pushes = this.#pushes;
      const read = (await sessionAccess(makeDb(this.env.DB), s.workspaceId, [s.id])).get(s.id)?.grants ?? [];
      if (pushes === this.#pushes) this.#grants = read;
    }
    return { ownerId: s.ownerId, grants: this.#grants ?? [] };
  }

  /** The share routes' push: the grants as they now are in D1. */
  setGrants(grants: Grants): void {
    this.#grants = grants;
    this.#pushes++;
  }

  /** Why `actor` may not decide or interrupt now (null: they may). */
  async refusal(actor: SocketActor, now: number): Promise<{ code: ErrorCode; message: string; close: boolean } | null> {
    if (isExpired(actor, now))
      return { code: "UNAUTHORIZED", message: "Your token or sign-in has expired; sign in again and reopen the session.", close: true };
    const may = mayActOnSession(actor, await this.access());
    return may.ok
      ? null
      : { code: "FORBIDDEN", message: `Not allowed: ${may.why}; ask the session's owner to share it with you as a collaborator.`, close: false };
  }
}
