/**
 * The workspace hub's copy of the workspace's device keys (public halves, enrolments, revocations), so a
 * room checking a signed decision reads no D1 row. The keys routes call the hub's `keysChanged` after
 * committing a change and before answering; it drops this copy, then tells every room holding one.
 * IMPORTANT: a read that raced a change is served to its caller but not kept.
 */
import type { DeviceKeyInfo } from "../worker/protocol/device-keys";

export class KeysCache {
  #current: DeviceKeyInfo[] | null = null;
  /** Bumped by every change: a read begun under an older epoch is not kept. */
  #epoch = 0;

  constructor(private readonly read: () => Promise<DeviceKeyInfo[]>) {}

  async get(): Promise<DeviceKeyInfo[]> {
    if (this.#current) return this.#current;
    const epoch = this.#epoch;
    const keys = await this.read();
    if (epoch === this.#epoch) this.#current = keys;
    return keys;
  }

  changed(): void {
    this.#epoch++;
    this.#current = null;
  }
}
