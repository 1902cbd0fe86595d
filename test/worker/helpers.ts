/**
 * Test helpers for the workerd tier: seed a workspace with tokens and an agent through the real
 * D1 queries, call the real Worker, and open real WebSockets through it.
 */
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { env } from "cloudflare:workers";
import type { AgentEnvelope, AgentEvent } from "../../worker/protocol/agent";
import { hashToken, mintToken } from "../../worker/protocol/tokens";
import { makeDb } from "../../worker/db/client";
import { createAgent } from "../../worker/db/agents";
import { addMember } from "../../worker/db/members";
import { insertToken, insertWorkspace } from "../../worker/db/tokens";
import { newId } from "../../worker/protocol/ids";

export interface Seed {
  workspaceId: string;
  userId: string;
  userToken: string;
  agentToken: string;
  agentId: string;
  agentName: string;
}

export async function seedWorkspace(name = "test"): Promise<Seed> {
  const db = makeDb(env.DB);
  const now = Date.now();
  const workspaceId = newId("wsp");
  await insertWorkspace(db, workspaceId, name, now);
  const owner = await addMember(db, workspaceId, { name: `owner of ${name}`, email: `owner-${workspaceId}@${name}.test`, role: "owner" }, now);
  const userToken = await tokenFor(workspaceId, owner.userId, `user@${name}`);
  const agentName = `machine-${workspaceId.slice(-6)}`;
  const agent = (await createAgent(db, workspaceId, agentName, now, owner.userId))!;
  const agentToken = mintToken();
  await insertToken(
    db,
    { id: newId("tok"), workspaceId, kind: "agent", name: agentName, subject: `agent:${agentName}`, agentId: agent.id, tokenHash: await hashToken(agentToken) },
    now,
  );
  return { workspaceId, userId: owner.userId, userToken, agentToken, agentId: agent.id, agentName };
}

/** A fresh user token for a member (scopes default to all). */
export async function tokenFor(workspaceId: string, userId: string, subject: string, opts: { scopes?: string[]; expiresAt?: number } = {}): Promise<string> {
  const token = mintToken();
  await insertToken(
    makeDb(env.DB),
    { id: newId("tok"), workspaceId, kind: "user", name: subject, subject, userId, tokenHash: await hashToken(token), ...opts },
    Date.now(),
  );
  return token;
}

/** Adds a member with a role and returns their id and a token. */
export async function memberWith(seed: Seed, role: "owner" | "admin" | "member" | "viewer", name: string = role): Promise<{ userId: string; token: string }> {
  const m = await addMember(makeDb(env.DB), seed.workspaceId, { name, email: `${name}-${crypto.randomUUID()}@example.test`, role }, Date.now());
  return { userId: m.userId, token: await tokenFor(seed.workspaceId, m.userId, `${name}@test`) };
}

export function api(path: string, token: string | null, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(`http://tower.test${path}`, { ...init, headers, body }));
}

export interface Socket {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  /** Waits until a frame matching `pred` has arrived (seen or future) and returns it. */
  next(pred: (f: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  send(frame: unknown): void;
  close(): void;
  /** Settles when the server closes the socket, with its close code. */
  closed: Promise<{ code: number; reason: string }>;
}

export async function openSocket(path: string, token: string): Promise<Socket> {
  const res = await api(path, token, { headers: { upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const frames: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(String(e.data)));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  let cursor = 0;
  return {
    ws,
    frames,
    closed,
    send: (f) => ws.send(typeof f === "string" ? f : JSON.stringify(f)),
    close: () => ws.close(1000, "done"),
    next(pred, ms = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = cursor; i < frames.length; i++) {
            if (pred(frames[i]!)) {
              cursor = i + 1;
              waiters.delete(check);
              clearTimeout(timer);
              resolve(frames[i]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${path}: no matching frame within ${ms} ms; got ${JSON.stringify(frames.slice(cursor)).slice(0, 500)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

let sent = 0;
/** An event as the agent sends it; ids are unique within a test file, as a room needs them per session. */
export const envelope = (event: AgentEvent): AgentEnvelope => ({ id: `ev-${++sent}`, at: Date.now(), event });

/**
 * A session of the seed's owner, launched through the real route and started by its agent up to Claude
 * Code's init: the session id and the agent's socket, ready for approval requests.
 */
export async function startedSession(seed: Seed, opts: { title?: string } = {}): Promise<{ id: string; agent: Socket }> {
  const res = await api("/api/sessions", seed.userToken, { method: "POST", json: { prompt: "p", cwd: "/work", ...opts } });
  if (res.status !== 201) throw new Error(`launch: ${res.status} ${await res.text()}`);
  const id = (await res.json<{ id: string }>()).id;
  const runId = await runInDurableObject(
    env.AgentLink.getByName(seed.agentId),
    async (i) => (i as unknown as { queued(): { runId: string }[] }).queued().at(-1)!.runId,
  );
  return { id, agent: await agentRunning(seed, id, runId) };
}

/** The agent's socket on session `id`, once the room has acknowledged that run `runId` started, with Claude Code's init. */
export async function agentRunning(seed: Seed, id: string, runId: string): Promise<Socket> {
  const agent = await openSocket(`/api/sessions/${id}/agent`, seed.agentToken);
  agent.send({
    type: "agent-events",
    events: [
      envelope({ type: "run-started", runId }),
      envelope({ type: "sdk-message", message: { type: "system", subtype: "init", session_id: `claude-${id}` } }),
    ],
  });
  await agent.next((f) => f.type === "ack");
  return agent;
}

/**
 * Waits, when needed, for a fresh window of the local rate limiters before a burst that tests one. Miniflare
 * counts a limit in fixed windows (floor(now / period)), so a burst that straddles two windows gets a fresh
 * budget halfway and its over-the-limit request passes: start it with at least `needMs` of a window left.
 */
export async function freshRateWindow(needMs = 40_000, periodMs = 60_000): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 100));
}

/** Polls `fn` until it returns a truthy value (for effects that land asynchronously, like D1 write-behind). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Plays an OpenID provider's discovery endpoint for the Worker's outbound fetch (tests have no network;
 * the Worker runs in this isolate); every URL the Worker fetches is recorded in `fetched`.
 */
export function serveDiscovery(): { fetched: string[]; restore(): void } {
  const fetched: string[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    fetched.push(url.href);
    const well = "/.well-known/openid-configuration";
    if (!url.pathname.endsWith(well)) return real(input, init);
    const issuer = url.href.slice(0, url.href.indexOf(well));
    return Response.json({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
    });
  };
  return { fetched, restore: () => void (globalThis.fetch = real) };
}
