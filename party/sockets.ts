/**
 * WebSocket helpers shared by the Durable Objects: parse an incoming frame with its zod schema,
 * send without throwing on a closing socket, and answer bad input with an `error` frame.
 */
import type { Connection, WSMessage } from "partyserver";
import type { z } from "zod";
import type { ErrorCode } from "../worker/protocol/errors";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseFrame<T>(schema: z.ZodType<T>, raw: WSMessage): Parsed<T> {
  if (typeof raw !== "string") return { ok: false, message: "frames must be JSON text" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, message: "frame is not valid JSON" };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, message: `invalid frame: ${first ? `${first.path.join(".") || "(root)"}: ${first.message}` : "unknown"}` };
}

/** Sends a frame; a socket that is already closing is skipped (benign teardown). */
export function safeSend(conn: WebSocket, frame: unknown): void {
  if (conn.readyState !== WebSocket.OPEN) return;
  try {
    conn.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch (e) {
    console.warn("send failed on a closing socket", e);
  }
}

const MAX_BAD_FRAMES = 5;
const badFrames = new WeakMap<object, number>();

/** Replies with an `error` frame; a peer that keeps sending bad frames is closed with 1008. */
export function errorFrame(conn: Connection, ref: string | null, code: ErrorCode, message: string): void {
  safeSend(conn, { type: "error", ref, error: { code, message, requestId: ref ?? conn.id } });
  if (code !== "BAD_REQUEST") return;
  const count = (badFrames.get(conn) ?? 0) + 1;
  badFrames.set(conn, count);
  if (count >= MAX_BAD_FRAMES) conn.close(1008, "too many invalid frames");
}
