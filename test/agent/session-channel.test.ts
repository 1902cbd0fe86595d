import { fdatasyncSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { Journal } from "../../agent/daemon/journal";
import { SessionChannel } from "../../agent/daemon/session-channel";
import type { AgentEnvelope } from "../../worker/protocol/agent";

const SESSION = "ses_00000000000000000001";
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A room stand-in on loopback: records each connection's agent-events, answers as `onFrame` says. */
async function fakeRoom(onFrame: (ws: WebSocket, events: AgentEnvelope[], connection: number) => void) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const received: AgentEnvelope[][] = [];
  let connections = 0;
  wss.on("connection", (ws) => {
    const n = connections++;
    received[n] = [];
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; events?: AgentEnvelope[] };
      if (frame.type !== "agent-events") return;
      received[n]!.push(...frame.events!);
      onFrame(ws, frame.events!, n);
    });
  });
  cleanup.push(() => new Promise<void>((r) => wss.close(() => r())));
  return { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, received };
}

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tower-channel-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function channel(url: string, journal: Journal): SessionChannel {
  const ch = new SessionChannel(url, "token", SESSION, journal, { onDecision: () => {}, onInterrupt: () => {}, waiting: () => [], runId: () => "run-1" });
  cleanup.push(() => ch.close());
  return ch;
}

const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("durability", () => {
  it("makes every event durable on disk before it leaves for the room", async () => {
    const dir = await stateDir();
    const file = join(dir, "journal", `${SESSION}.jsonl`);
    const atSync: string[] = [];
    const journal = new Journal(dir, {
      datasync: (fd) => {
        fdatasyncSync(fd);
        try {
          atSync.push(readFileSync(file, "utf8"));
        } catch {
          atSync.push("");
        }
      },
    });
    const sentWhenSynced: boolean[] = [];
    const room = await fakeRoom((ws, events) => {
      sentWhenSynced.push(...events.map((e) => atSync.some((snapshot) => snapshot.includes(e.id))));
      ws.send(JSON.stringify({ type: "ack", ids: events.map((e) => e.id) }));
    });
    const ch = channel(room.url, journal);
    for (let i = 0; i < 5; i++) ch.send("run-1", { type: "sdk-message", message: { type: "assistant", n: i } });
    await until(() => sentWhenSynced.length === 5);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 5; i < 8; i++) ch.send("run-1", { type: "sdk-message", message: { type: "assistant", n: i } });
    await until(() => sentWhenSynced.length === 8);
    expect(sentWhenSynced).toEqual(Array(8).fill(true));
  });
});

describe("order", () => {
  it("after a drop, the new socket carries the oldest unacknowledged event first, numbered in order", async () => {
    const dir = await stateDir();
    const journal = new Journal(dir);
    const room = await fakeRoom((ws, events, connection) => {
      if (connection > 0) return ws.send(JSON.stringify({ type: "ack", ids: events.map((e) => e.id) }));
      // First socket: acknowledge nothing; a decision, then the close, in one write: the run emits an
      // event on the decision while the socket is closing (partysocket buffers such sends and flushes
      // them ahead of the resend on the next socket).
      ws.send(JSON.stringify({ type: "decision", requestId: "req-1", answer: { behavior: "allow" } }));
      ws.close(1001, "going away");
    });
    const ch = new SessionChannel(room.url, "token", SESSION, journal, {
      onDecision: () => ch.send("run-1", { type: "sdk-message", message: { type: "assistant", text: "sent while closing" } }),
      onInterrupt: () => {},
      waiting: () => [],
      runId: () => "run-1",
    });
    cleanup.push(() => ch.close());
    ch.send("run-1", { type: "run-started", runId: "run-1" });
    await until(() => (room.received[1]?.length ?? 0) >= 2);
    expect(await ch.drained(2_000)).toBe(true);
    expect(room.received[0]!.map((e) => e.seq)).toEqual([1]);
    expect(room.received[1]!.map((e) => e.seq)).toEqual([1, 2]);
  });
});

describe("a rule's decision applied before the room recorded the call", () => {
  it("the resend after a drop carries the sealed decision the agent journalled and applied", async () => {
    const dir = await stateDir();
    const journal = new Journal(dir);
    const stamp = {
      verdict: { decision: "allow", rule: { index: 0, id: "work-writes", version: 1 }, message: null, reason: "allowed" },
      seal: "cd".repeat(32),
    };
    const room = await fakeRoom((ws, events, connection) => {
      if (connection > 0) return ws.send(JSON.stringify({ type: "ack", ids: events.map((e) => e.id) }));
      // First socket: the rule's answer leaves at once, then the room is lost before it acknowledges the request.
      ws.send(JSON.stringify({ type: "decision", requestId: "req-1", answer: { behavior: "allow" }, rule: stamp }));
      setTimeout(() => ws.close(1001, "going away"), 50);
    });
    const applied: string[] = [];
    const ch = new SessionChannel(room.url, "token", SESSION, journal, {
      // As the relay does: journal the stamp, then apply the answer.
      onDecision: (requestId, _answer, _proof, rule) => {
        if (rule) ch.journalApplied(requestId, rule);
        applied.push(requestId);
      },
      onInterrupt: () => {},
      waiting: () => [],
      runId: () => "run-1",
    });
    cleanup.push(() => ch.close());
    ch.send("run-1", { type: "approval-request", requestId: "req-1", toolName: "Write", input: { file_path: "/work/a" } });
    await until(() => (room.received[1]?.length ?? 0) >= 1);
    expect(applied).toEqual(["req-1"]);
    expect(room.received[1]![0]!.event).toMatchObject({ type: "approval-request", requestId: "req-1", applied: stamp });
  });
});
