/**
 * Follows one session live from Node, for `watch`, `launch --wait` and `continue --wait`. Node 20 has
 * no global WebSocket, so `ws` is subclassed to send the bearer header (a token in the URL would end
 * up in access logs). `followFrame` is the pure rule for when a watched session has stopped: only once
 * the replay has caught up with the snapshot, so an old ending in the history never ends the watch.
 */
import type WebSocket from "ws";
import { connectSession } from "../../worker/client";
import type { SessionEvent } from "../../worker/protocol/events";
import type { ServerFrame } from "../../worker/protocol/frames";
import type { SessionStatus } from "../../worker/protocol/session";
import type { ApiClient } from "../../worker/client";
import type { CliContext } from "./config";
import { EXIT, exitCodeForEnd, paint, printLines, printNdjson } from "./output";
import { renderEvent } from "./render";
import { LiveTextPrinter } from "./live-text";

/**
 * A `ws` WebSocket class that authenticates with `authorization: Bearer`; it records what it opens.
 * `ws` is loaded here, by the commands that stream, so every other command starts without it.
 */
export async function authedWebSocket(token: string, opened: Set<WebSocket>): Promise<new (url: string | URL, protocols?: string | string[]) => WebSocket> {
  const { default: Ws } = await import("ws");
  return class AuthedWebSocket extends Ws {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer ${token}` } });
      opened.add(this);
    }
  };
}

export interface FollowState {
  status: SessionStatus | null;
  /** The last event seq seen. */
  seq: number;
  /** The snapshot's lastSeq: until `seq` reaches it, events are history being replayed. */
  target: number;
}

export const startFollow = (after: number): FollowState => ({ status: null, seq: after, target: Number.POSITIVE_INFINITY });

/** Folds one frame in; `ended` is the status the session stopped in, once it is caught up and stopped. */
export function followFrame(state: FollowState, frame: ServerFrame): { state: FollowState; events: SessionEvent[]; ended: SessionStatus | null } {
  let next = state;
  let events: SessionEvent[] = [];
  if (frame.type === "snapshot") next = { ...state, status: frame.session.status, target: frame.lastSeq };
  if (frame.type === "events") {
    events = frame.events.filter((e) => e.seq > state.seq);
    let status = state.status;
    for (const e of events) if (e.type === "status-changed") status = e.to;
    next = { ...state, status, seq: events.at(-1)?.seq ?? state.seq };
  }
  const caughtUp = next.seq >= next.target;
  const ended = caughtUp && next.status && exitCodeForEnd(next.status) !== null ? next.status : null;
  return { state: next, events, ended };
}

export interface FollowOptions {
  sessionId: string;
  after: number;
  json: boolean;
}

/** Prints the session's events until it stops; resolves with the exit code (130 on Ctrl-C). */
export async function followSession(ctx: CliContext, client: ApiClient, opts: FollowOptions): Promise<number> {
  const { io } = ctx;
  const sockets = new Set<WebSocket>();
  const Authed = await authedWebSocket(client.token, sockets);
  let state = startFollow(opts.after);
  let wasLive = false;
  const liveText = new LiveTextPrinter();
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      removeInterrupt();
      live.close();
      // ws waits up to 30s for the server's close frame; never let that hold the CLI open.
      setTimeout(() => {
        for (const s of sockets) s.terminate();
      }, 1000).unref();
      resolve(code);
    };
    const removeInterrupt = ctx.onInterrupt(() => {
      io.err(`stopped watching; the session goes on (\`tower interrupt ${opts.sessionId}\` stops it)\n`);
      finish(EXIT.sigint);
    });
    const live = connectSession({
      baseUrl: client.baseUrl,
      WebSocket: Authed,
      sessionId: opts.sessionId,
      after: opts.after,
      onFrame(frame) {
        if (done) return;
        if (frame.type === "error") io.err(`${paint("error:", "error", io.errColor)} ${frame.error.message}\n`);
        // Text Claude is still writing, as it arrives (`--json` prints only the stored events).
        if (frame.type === "live-text") {
          if (!opts.json) io.out(liveText.frame(frame));
          return;
        }
        const r = followFrame(state, frame);
        state = r.state;
        for (const e of r.events) {
          if (opts.json) printNdjson(io, e);
          else {
            const { out, event } = liveText.settle(e);
            io.out(out);
            printLines(io, renderEvent(event));
          }
        }
        if (r.ended) finish(exitCodeForEnd(r.ended) ?? EXIT.failed);
      },
      onStatus(status) {
        if (status === "live") wasLive = true;
        else if (wasLive && !done) {
          wasLive = false;
          io.err(`${paint("connection lost; reconnecting…", "dim", io.errColor)}\n`);
        }
      },
    });
  });
}
