/**
 * A reconnecting WebSocket for the agent (partysocket over the `ws` package, since Node 20 has no
 * global WebSocket) that authenticates with the agent token in the Authorization header.
 */
import ReconnectingWebSocket from "partysocket/ws";
import WS from "ws";

export function authedWebSocketClass(token: string) {
  return class AuthedWebSocket extends WS {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer ${token}` } });
    }
  };
}

export function reconnecting(url: string, token: string): ReconnectingWebSocket {
  return new ReconnectingWebSocket(url, [], {
    WebSocket: authedWebSocketClass(token),
    minReconnectionDelay: 100,
    maxReconnectionDelay: 3000,
    reconnectionDelayGrowFactor: 1.5,
  });
}

export function toWsUrl(server: string, path: string): string {
  return new URL(path, server.replace(/^http/, "ws")).toString();
}
