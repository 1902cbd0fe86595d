/**
 * The room's rule for the order of an agent's events: the agent's journal numbers each run's events
 * 1, 2, 3…, and the room stores only the next number of a run. A socket drop can put a later event
 * ahead of an earlier one (partysocket flushes sends it buffered while closing before the agent's
 * resend); such an early event is neither stored nor acknowledged, so the resend brings it back in
 * its place. Pure; the room keeps each run's last stored number in its SQLite.
 */

/** `store`: the next of its run; `duplicate`: already stored (acknowledge again); `early`: a gap before it. */
export type Admission = "store" | "duplicate" | "early";

export function admit(lastSeq: number, seq: number): Admission {
  if (seq <= lastSeq) return "duplicate";
  return seq === lastSeq + 1 ? "store" : "early";
}
