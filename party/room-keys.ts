/**
 * The room's copy of its workspace's device keys and signed revocations, fetched from the workspace hub
 * (no D1 read on a decision's path; a passkey decision writes only its counter). Fetching makes the room a listener: a keys route has the
 * hub tell every listener of a change (`keysChanged`) before it answers, so a key revoked is refused by
 * the next decision in any room. After a wake from hibernation (memory lost) the next decision fetches. A
 * fetch begun before a change may answer after it: each lookup names its generation, so the caller can tell.
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

/** Where a room gets its workspace's keys: the hub (a test may hold the hub's answer back to stage a race). */
export type KeysSource = (workspaceId: string, sessionId: string) => Promise<DeviceKeyInfo[]>;

const fromHub =
  (env: Env): KeysSource =>
  async (workspaceId, sessionId) =>
    (await workspaceHub(env, workspaceId)).keysFor(sessionId);

export interface KeyLookup {
  key: DeviceKeyInfo | null;
  revocations: SignedRevocation[];
  /** The room's key generation the snapshot belongs to (`isCurrent`). */
  generation: number;
}

export class RoomKeys {
  /** The snapshot held (or being fetched); null once a change was announced. */
  #ready: Promise<KeysSnapshot> | null = null;
  #generation = 0;

  constructor(
    private readonly env: Env,
    private readonly source: KeysSource = fromHub(env),
  ) {}

  /** A key changed in the workspace: the next lookup fetches again. */
  changed(): void {
    this.#generation++;
    this.#ready = null;
  }

  /**
   * The key `keyId` as registered (null: not in the workspace) and every signed revocation of the workspace,
   * with the generation the snapshot was asked under. IMPORTANT: a fetch begun before a change (a revocation)
   * may answer after it; whoever awaited it checks `isCurrent(generation)` before acting on what it read.
   */
  async lookup(workspaceId: string, sessionId: string, keyId: string): Promise<KeyLookup> {
    const generation = this.#generation;
    const snap = await (this.#ready ??= this.#fetch(workspaceId, sessionId));
    return { key: snap.byId.get(keyId) ?? null, revocations: snap.revocations, generation };
  }

  /** No key change was announced since the lookup that returned `generation`. */
  isCurrent(generation: number): boolean {
    return generation === this.#generation;
  }

  /** Keeps a passkey's reported signature counter if it increases (worker/db/device-keys.ts); false for a clone's. */
  advanceSignCount(workspaceId: string, keyId: string, reported: number): Promise<boolean> {
    return advanceSignCount(makeDb(this.env.DB), workspaceId, keyId, reported);
  }

  async #fetch(workspaceId: string, sessionId: string): Promise<KeysSnapshot> {
    const generation = this.#generation;
    try {
      const keys = await this.source(workspaceId, sessionId);
      return { byId: new Map(keys.map((k) => [k.id, k])), revocations: keys.flatMap((k) => (k.revocation ? [k.revocation] : [])) };
    } catch (e) {
      // A failed fetch is not kept: the next decision tries again.
      if (generation === this.#generation) this.#ready = null;
      throw e;
    }
  }
}
