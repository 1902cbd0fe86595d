import { describe, expect, it } from "vitest";
import { toFrames } from "../../agent/daemon/batcher";
import { AgentToRoomFrame, MAX_AGENT_FRAME_BYTES, type AgentEnvelope } from "../../worker/protocol/agent";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
let n = 0;
const message = (text: string, seq = ++n): AgentEnvelope => ({
  id: `ev-${seq}`,
  at: 1,
  runId: "run-1",
  seq,
  event: { type: "sdk-message", message: { type: "assistant", text } },
});

const parse = (frame: string) => AgentToRoomFrame.parse(JSON.parse(frame));
const eventsIn = (frames: string[]) =>
  frames.flatMap((f) => {
    const p = parse(f);
    return p.type === "agent-events" ? p.events : [];
  });

describe("batching by bytes", () => {
  it("keeps every frame under the room's frame limit however large the events are", () => {
    // 200 events of 20 KB each: one 4 MB frame by count, which the room's socket would refuse.
    const envelopes = Array.from({ length: 200 }, () => message("é".repeat(10_000)));
    const frames = toFrames(envelopes, MAX_AGENT_FRAME_BYTES);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(bytes(f)).toBeLessThanOrEqual(MAX_AGENT_FRAME_BYTES);
    expect(eventsIn(frames).map((e) => e.seq)).toEqual(envelopes.map((e) => e.seq));
  });

  it("never puts more events in a frame than the room's schema takes", () => {
    const envelopes = Array.from({ length: 1_200 }, () => message("x"));
    const frames = toFrames(envelopes, MAX_AGENT_FRAME_BYTES);
    for (const f of frames) expect(() => parse(f)).not.toThrow();
    expect(eventsIn(frames)).toHaveLength(1_200);
  });
});

describe("dead letters", () => {
  it("replaces an event that cannot fit in a frame by an event-dropped in its place, with its size and type", () => {
    const small = message("before");
    const huge = message("y".repeat(MAX_AGENT_FRAME_BYTES));
    const after = message("after");
    const out = eventsIn(toFrames([small, huge, after], MAX_AGENT_FRAME_BYTES));
    expect(out.map((e) => [e.id, e.seq])).toEqual([small, huge, after].map((e) => [e.id, e.seq]));
    const dropped = out[1]!;
    expect(dropped.runId).toBe("run-1");
    expect(dropped.event).toMatchObject({ type: "event-dropped", eventType: "sdk-message" });
    expect(dropped.event.type === "event-dropped" && dropped.event.size).toBeGreaterThan(MAX_AGENT_FRAME_BYTES);
    expect(dropped.event.type === "event-dropped" && dropped.event.reason).toMatch(/bytes/);
  });

  it("names the request of a dropped approval request, so the room can deny it", () => {
    const ask: AgentEnvelope = {
      id: "ask-1",
      at: 1,
      runId: "run-1",
      seq: 1,
      event: { type: "approval-request", requestId: "req-9", toolName: "Write", input: { content: "z".repeat(MAX_AGENT_FRAME_BYTES) } },
    };
    const [out] = eventsIn(toFrames([ask], MAX_AGENT_FRAME_BYTES));
    expect(out!.event).toMatchObject({ type: "event-dropped", eventType: "approval-request", requestId: "req-9" });
  });
});
