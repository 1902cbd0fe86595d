/**
 * The workspace hub's copy of the current approval rule set, so a room judging a tool call reads no
 * D1 row: rooms ask `since(theirVersion)` and get the set only when theirs is stale. The rules route
 * calls `changed(version)` after committing a new version and before answering, so the next call in
 * any room is judged by it. IMPORTANT: a read that raced a change is not kept if older than the change.
 */
import type { RuleSet, RuleSetVersion } from "../worker/protocol/rules";

export class RulesCache {
  #current: RuleSetVersion | null = null;
  /** The newest version the route announced: nothing older is served. */
  #atLeast = 0;

  constructor(private readonly read: () => Promise<RuleSetVersion>) {}

  /** The current version, with its rules only when the caller's `have` is not it. */
  async since(have: number | null): Promise<{ version: number; ruleSet: RuleSet | null }> {
    let cur = this.#current;
    if (!cur || cur.version < this.#atLeast) {
      cur = await this.read();
      if (cur.version >= this.#atLeast) this.#current = cur;
    }
    return { version: cur.version, ruleSet: cur.version === have ? null : cur.ruleSet };
  }

  changed(version: number): void {
    this.#atLeast = Math.max(this.#atLeast, version);
    if (this.#current && this.#current.version < version) this.#current = null;
  }
}
