import { describe, expect, it } from "vitest";
import { ingestEvents, type Stored, type Unwritten } from "../../party/agent-ingest";

const text = (id: string, seq?: number) => ({
  id,
  at: 1,
  ...(seq !== undefined ? { runId: "run-1", seq } : {}),
  event: { type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: id }] } } },
});

/** A room's stored state as the intake sees it, counting each lookup by id. */
function storedWith(lastSeq: number, ids: string[] = []): Stored & { lookups: number } {
  const s = {
    lookups: 0,
    lastAgentSeq: () => lastSeq,
    wasIngested: (id: string) => {
      s.lookups++;
      return ids.includes(id);
    },
  };
  return s;
}

describe("the room's intake of an agent's events", () => {
  it("stores a run's next numbers, acknowledges a resend without storing it, and leaves an early one unacknowledged", () => {
    const stored = storedWith(3);
    const applied: string[] = [];
    const intake = ingestEvents(stored, [text("a", 2), text("b", 4), text("c", 6)], (e) => applied.push(e.id));
    expect(applied).toEqual(["b"]);
    expect(intake.ack).toEqual(["a", "b"]);
    // A numbered event is judged by its run's last number alone: no lookup by id.
    expect(stored.lookups).toBe(0);
  });

  it("counts what a held write consumes as stored", () => {
    const held: Unwritten = { wasIngested: (id) => id === "h", lastSeq: () => 5 };
    const applied: string[] = [];
    const intake = ingestEvents(storedWith(3), [text("x", 5), text("y", 6), text("h")], (e) => applied.push(e.id), held);
    expect(applied).toEqual(["y"]);
    expect(intake.ack).toEqual(["x", "y", "h"]);
  });

  it("looks an unnumbered event up by id", () => {
    const stored = storedWith(0, ["old"]);
    const applied: string[] = [];
    const intake = ingestEvents(stored, [text("old"), text("new")], (e) => applied.push(e.id));
    expect(applied).toEqual(["new"]);
    expect(intake.ack).toEqual(["old", "new"]);
    expect(stored.lookups).toBe(2);
  });

  it("names an event with no id as unreadable, and dead-letters a refused one in its place", () => {
    const applied: { id: string; type: string }[] = [];
    const intake = ingestEvents(
      storedWith(0),
      [
        { at: 1, event: { type: "x" } },
        { id: "bad", at: 1, runId: "run-1", seq: 1, event: { type: "nope" } },
      ],
      (e) => applied.push({ id: e.id, type: e.event.type }),
    );
    expect(intake.unreadable).toHaveLength(1);
    expect(intake.unreadable[0]).toMatch(/^event 0: not an agent event/);
    expect(applied).toEqual([{ id: "bad", type: "event-dropped" }]);
    expect(intake.ack).toEqual(["bad"]);
  });
});
