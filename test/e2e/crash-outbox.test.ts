/**
 * A crash between a change and its delivery. wrangler (the whole process group, workerd with it) is
 * killed with SIGKILL right after the room acknowledged an agent's approval request, inside the 25 ms
 * before its write-behind mirrors it to D1. Before the durable outbox this approval never reached the
 * inbox and the list said `running` for good; now, after a restart and with no new activity in the
 * session, the room's alarm delivers what it had queued.
 */
import WS from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTower, waitForStatus, waitUntil, type Tower } from "./harness";

type Frame = Record<string, unknown>;

/** A JSON WebSocket with the bearer token whose frames can be awaited by predicate. */
async function open(url: string, token: string): Promise<{ send(f: unknown): void; next(pred: (f: Frame) => boolean): Promise<Frame>; close(): void }> {
  const ws = new WS(url, { headers: { authorization: `Bearer ${token}` } });
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on("message", (data) => {
    const f = JSON.parse(String(data)) as Frame;
    const w = waiters.findIndex((x) => x.pred(f));
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(f);
    else frames.push(f);
  });
  ws.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    send: (f) => ws.send(JSON.stringify(f)),
    next: (pred) => {
      const i = frames.findIndex(pred);
      if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        setTimeout(() => reject(new Error("no matching frame within 15 s")), 15_000);
      });
    },
    close: () => ws.close(),
  };
}

let t: Tower;
beforeAll(async () => {
  t = await startTower(); // no agent: the test plays it, to act at the exact moment
});
afterAll(async () => {
  await t?.close();
});

describe("a server killed between a change and its delivery", () => {
  it("delivers, after a restart, an approval the room had stored but not yet mirrored", { timeout: 120_000 }, async () => {
    const ws = t.url.replace(/^http/, "ws");
    const control = await open(`${ws}/api/agents/connect`, t.agentToken);
    control.send({ type: "hello", machine: { name: t.agentName, hostname: "e2e", labels: [], capacity: 4, versions: {} }, running: [] });
    await control.next((f) => f.type === "welcome");
    const s = await t.client.createSession({ prompt: "crash between change and delivery", cwd: t.workDir });
    const launch = await control.next((f) => f.type === "launch" && (f.order as { sessionId: string }).sessionId === s.id);
    const runId = (launch.order as { runId: string }).runId;
    control.send({ type: "launch-ack", runId });
    const agent = await open(`${ws}/api/sessions/${s.id}/agent`, t.agentToken);
    let seq = 0;
    const envelope = (event: Frame) => ({ id: `ev-${++seq}`, at: Date.now(), runId, seq, event });
    agent.send({
      type: "agent-events",
      events: [
        envelope({ type: "run-started", runId }),
        envelope({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: "claude-crash" } }),
      ],
    });
    await agent.next((f) => f.type === "ack");
    await waitForStatus(t, s.id, "running");

    const ask = envelope({ type: "approval-request", requestId: "req-crash", toolUseId: "toolu_crash", toolName: "Bash", input: { command: "ls" } });
    agent.send({ type: "agent-events", events: [ask] });
    await agent.next((f) => f.type === "ack" && (f.ids as string[]).includes(ask.id));
    // Stored and acknowledged by the room; its mirror to D1 is still waiting out the write-behind delay.
    const wrangler = t.server.process;
    process.kill(-wrangler.pid!, "SIGKILL");
    await new Promise<void>((resolve) => (wrangler.exitCode !== null || wrangler.signalCode !== null ? resolve() : wrangler.once("exit", () => resolve())));
    agent.close();
    control.close();

    await t.startServer();
    // Only D1 reads from here on (the inbox and the list): nothing touches the session's room.
    let approvals: { id: string; status: string }[] = [];
    await waitUntil(
      async () => {
        approvals = (await t.client.listApprovals({ session: s.id })).approvals;
        return approvals.length === 1;
      },
      60_000,
      () => "the approval never reached the inbox after the restart",
    );
    expect(approvals[0]!.status).toBe("pending");
    const listed = (await t.client.listSessions({})).sessions.find((x) => x.id === s.id);
    expect(listed?.status).toBe("waiting_for_approval");
  });
});
