/**
 * A room's open sockets by tag, kept in memory. partyserver's `getConnections` deserializes every
 * socket's attachment on every pass (two thirds of the room's time in a fan-out to 100 viewers, profiled
 * with `BENCH_PROFILE`), and a room passes over its viewers for every event it stores. The set is filled from
 * partyserver once after each wake (hibernation empties memory), then kept by the room's connects and closes.
 */

/** What this needs of a partyserver Connection. */
export interface TaggedSocket {
  readonly readyState: number;
  readonly tags: readonly string[];
}

const OPEN = 1;

export class OpenSockets<C extends TaggedSocket> {
  #byTag: Map<string, Set<C>> | null = null;

  /** `kept`: the tags asked for (partyserver also tags each socket with its id); `all`: every open socket, read once per wake. */
  constructor(
    private readonly kept: readonly string[],
    private readonly all: () => Iterable<C>,
  ) {}

  /** The open sockets tagged `tag`; one closing or closed (an error with no close event) is dropped on the way. */
  *tagged(tag: string): Generator<C> {
    const set = this.#sets().get(tag);
    if (!set) throw new Error(`open sockets: the tag ${tag} is not kept`);
    for (const c of set) {
      if (c.readyState === OPEN) yield c;
      // Not one still connecting (its upgrade not yet answered while the room's onConnect runs): it opens next.
      else if (c.readyState > OPEN) set.delete(c);
    }
  }

  /** A socket just accepted (in the room's onConnect). */
  opened(c: C): void {
    if (!this.#byTag) return; // the first read takes it from partyserver with the rest
    for (const tag of c.tags) this.#byTag.get(tag)?.add(c);
  }

  /** A socket closed or failed. */
  closed(c: C): void {
    for (const set of this.#byTag?.values() ?? []) set.delete(c);
  }

  #sets(): Map<string, Set<C>> {
    if (this.#byTag) return this.#byTag;
    const byTag = new Map(this.kept.map((tag) => [tag, new Set<C>()]));
    for (const c of this.all()) for (const tag of c.tags) byTag.get(tag)?.add(c);
    this.#byTag = byTag;
    return byTag;
  }
}
