/**
 * The room's copy of its workspace's device keys and signed revocations, fetched from the workspace hub
 * (no D1 read on a decision's path; a passkey decision writes only its counter). Fetching makes the room a listener: a keys route has the
 * hub tell every listener of a change (`keysChanged`) before it answers, so a key revoked is refused by
 * the next decision in any room. After a wake from hibernation (memory lost) the next decision fetches.
 */
import type { DeviceKeyInfo } from "../worker/protocol/device-keys";
import type { SignedRevocation } from "../worker/protocol/signed-decision";
import { workspaceHub } from "../worker/rooms";
import { makeDb } from "../worker/db/client";
import { advanceSignCount } from "../worker/db/device-keys";

export interface KeysSnapshot {
  byId: ReadonlyMap<string, DeviceKeyInfo>;
  revocations: SignedRevocation[];
}

export class RoomKeys {
  /** The snapshot held (or being fetched); null once a change was announced. */
  #ready: Promise<KeysSnapshot> | null = null;
  #generation = 0;

  constructor(private readonly env: Env) {}

  /** A key changed in the workspace: the next lookup fetches again. */
  changed(): void {
    this.#generation++;
    this.#ready = null;
  }

  /** The key `keyId` as registered (null: not in the workspace) and every signed revocation of the workspace. */
  async lookup(workspaceId: string, sessionId: string, keyId: string): Promise<{ key: DeviceKeyInfo | null; revocations: SignedRevocation[] }> {
    const snap = await (this.#ready ??= this.#fetch(workspaceId, sessionId));
    return { key: snap.byId.get(keyId) ?? null, revocations: snap.revocations };
  }

  /** Keeps a passkey's reported signature counter if it increases (worker/db/device-keys.ts); false for a clone's. */
  advanceSignCount(workspaceId: string, keyId: string, reported: number): Promise<boolean> {
    return advanceSignCount(makeDb(this.env.DB), workspaceId, keyId, reported);
  }

  async #fetch(workspaceId: string, sessionId: string): Promise<KeysSnapshot> {
    const generation = this.#generation;
    try {
      const keys = await (await workspaceHub(this.env, workspaceId)).keysFor(sessionId);
      return { byId: new Map(keys.map((k) => [k.id, k])), revocations: keys.flatMap((k) => (k.revocation ? [k.revocation] : [])) };
    } catch (e) {
      // A failed fetch is not kept: the next decision tries again.
      if (generation === this.#generation) this.#ready = null;
      throw e;
    }
  }
}
