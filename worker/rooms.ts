/** Typed stubs for the Durable Objects, addressed by name (session id, agent id, workspace id). */
import { getServerByName } from "partyserver";
import type { SessionRoomApi } from "./protocol/room-rpc";

export type { SessionRoomApi };

export const sessionRoom = async (env: Env, sessionId: string): Promise<SessionRoomApi> =>
  (await getServerByName(env.SessionRoom, sessionId)) as unknown as SessionRoomApi;
export const agentLink = (env: Env, agentId: string) => getServerByName(env.AgentLink, agentId);
export const workspaceHub = (env: Env, workspaceId: string) => getServerByName(env.WorkspaceHub, workspaceId);

/** Forwards an authenticated WebSocket upgrade to a Durable Object, with who is connecting. */
export function forwardUpgrade(stub: { fetch(r: Request): Promise<Response> }, req: Request, facts: Record<string, string>) {
  const headers = new Headers(req.headers);
  for (const key of [...headers.keys()]) if (key.startsWith("x-tower-")) headers.delete(key);
  for (const [k, v] of Object.entries(facts)) headers.set(`x-tower-${k}`, v);
  return stub.fetch(new Request(req.url, { method: req.method, headers }));
}
