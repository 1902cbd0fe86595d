/**
 * The schema every stored event is read back with (viewers' frames, event pages, index jobs): one
 * discriminated union of the kinds with their place, which must take and refuse exactly what the
 * intersection it replaced did, and give the same object back.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EventBody, SessionEvent } from "../../worker/protocol/events";

const asIntersection = z.intersection(z.object({ seq: z.number().int().positive(), at: z.number().int() }), EventBody);

const samples: unknown[] = [
  { seq: 1, at: 10, type: "sdk-message", message: { type: "assistant", message: { content: [{ type: "text", text: "hi" }] } } },
  { seq: 2, at: 11, type: "user-prompt", prompt: "go on", by: "u1" },
  { seq: 3, at: 12, type: "status-changed", from: null, to: "running", reason: "launched" },
  { seq: 4, at: 13, type: "event-dropped", eventType: "sdk-message", size: 10, reason: "too large" },
  { seq: 5, at: 14, type: "interrupt-requested", by: "u1", extra: "stripped" },
];
const refused: [string, unknown][] = [
  ["no seq", { at: 10, type: "user-prompt", prompt: "x", by: "u" }],
  ["seq 0", { seq: 0, at: 10, type: "user-prompt", prompt: "x", by: "u" }],
  ["no at", { seq: 1, type: "user-prompt", prompt: "x", by: "u" }],
  ["an unknown kind", { seq: 1, at: 10, type: "nope" }],
  ["a kind missing its fields", { seq: 1, at: 10, type: "user-prompt" }],
  ["not an object", "event"],
];

describe("SessionEvent", () => {
  it.each(samples.map((s) => [(s as { type: string }).type, s]))("reads a %s event as the intersection did, place first", (_kind, sample) => {
    const read = SessionEvent.parse(sample);
    expect(read).toEqual(asIntersection.parse(sample));
    // Stored and fanned-out JSON keeps its shape: the place leads, as it did.
    expect(Object.keys(read).slice(0, 3)).toEqual(["seq", "at", "type"]);
    expect(read).not.toHaveProperty("extra");
  });

  it.each(refused)("refuses an event with %s", (_why, sample) => {
    expect(SessionEvent.safeParse(sample).success).toBe(false);
    expect(asIntersection.safeParse(sample).success).toBe(false);
  });
});
