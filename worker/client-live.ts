/**
 * The live half of the typed client (re-exported by worker/client.ts, which callers import): sockets
 * that reconnect on their own (partysocket), parse every frame with the protocol's schemas, and
 * resume a session from the last event seen.
 */
import ReconnectingWebSocket from "partysocket/ws";
import type { z } from "zod";
import { ACCESS_REVOKED_CLOSE, TOKEN_REVOKED_CLOSE } from "./protocol/close-codes";
import type { ClientFrame, HubFrame, ServerFrame } from "./protocol/frames";

export interface LiveOptions<F> {
  baseUrl: string;
  /**
   * A WebSocket class. Node passes one from `ws` that sends `authorization: Bearer` (agent/cli/live.ts);
   * a browser passes none, and its same-origin upgrade carries the session cookie. IMPORTANT: a token
   * never goes in the socket's URL, which reaches access logs.
   */
  WebSocket?: unknown;
  onFrame(frame: F): void;
  onStatus?(status: "live" | "reconnecting" | "offline"): void;
}

export interface Live {
  send(frame: ClientFrame): void;
  /** Drops the connection and dials again (it resumes from the last event seen). */
  reconnect(): void;
  close(): void;
}

/** The socket URL for `path`: ws(s) on the same host, with only the given (non-secret) parameters. */
export function liveUrl(baseUrl: string, path: string, params: Record<string, string> = {}): string {
  const u = new URL(path, baseUrl.replace(/^http/, "ws"));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * The frame schemas are imported when a socket opens, not with the client (which every `tower` command
 * loads): they are the whole protocol's. The socket's handshake takes longer than the import, and a frame
 * that still beats it waits, in order, for the schema.
 */
const frames = () => import("./protocol/frames");

function open<F>(schema: Promise<z.ZodType<F>>, opts: LiveOptions<F>, url: () => string): Live {
  let parser: z.ZodType<F> | null = null;
  const early: unknown[] = [];
  // Unknown frame types are ignored so that a newer server never breaks this client.
  const deliver = (json: unknown) => {
    const r = parser?.safeParse(json);
    if (r?.success) opts.onFrame(r.data);
  };
  void schema.then((s) => {
    parser = s;
    for (const json of early.splice(0)) deliver(json);
  });
  const ws = new ReconnectingWebSocket(url, [], {
    WebSocket: opts.WebSocket,
    minReconnectionDelay: 200,
    maxReconnectionDelay: 5000,
  });
  ws.addEventListener("open", () => opts.onStatus?.("live"));
  ws.addEventListener("close", (e: CloseEvent) => {
    // 4001: the token was revoked or expired; 4003: the caller may no longer see this. Dialling again
    // would only be refused, so stop here.
    const final = e.code === TOKEN_REVOKED_CLOSE || e.code === ACCESS_REVOKED_CLOSE;
    if (final) ws.close(1000, "access ended");
    opts.onStatus?.(ws.shouldReconnect && !final ? "reconnecting" : "offline");
  });
  ws.addEventListener("message", (e: MessageEvent) => {
    let json: unknown;
    try {
      json = JSON.parse(String(e.data));
    } catch {
      return;
    }
    if (parser) deliver(json);
    else early.push(json);
  });
  return { send: (f) => ws.send(JSON.stringify(f)), reconnect: () => ws.reconnect(), close: () => ws.close(1000, "bye") };
}

/**
 * Follows one session live: a snapshot, then every event once and in order, across reconnects
 * (each reconnect asks only for events after the last one seen).
 */
export function connectSession(opts: LiveOptions<ServerFrame> & { sessionId: string; after?: number }): Live {
  let lastSeq = opts.after ?? 0;
  const onFrame = (f: ServerFrame) => {
    if (f.type === "events") {
      const fresh = f.events.filter((e) => e.seq > lastSeq);
      if (fresh.length === 0) return;
      lastSeq = fresh.at(-1)!.seq;
      opts.onFrame({ ...f, events: fresh });
      return;
    }
    opts.onFrame(f);
  };
  return open(
    frames().then((m) => m.ServerFrame),
    { ...opts, onFrame },
    () => liveUrl(opts.baseUrl, `/api/sessions/${opts.sessionId}/live`, { after: String(lastSeq) }),
  );
}

/** Follows the workspace: session list deltas, the approvals inbox and agent presence. */
export function connectWorkspace(opts: LiveOptions<HubFrame>): Live {
  return open(
    frames().then((m) => m.HubFrame),
    opts,
    () => liveUrl(opts.baseUrl, "/api/workspace/live"),
  );
}
