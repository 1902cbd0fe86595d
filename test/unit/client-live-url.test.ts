/**
 * The live sockets of worker/client.ts: a token never goes in a socket's URL (URLs reach access logs);
 * Node authenticates with a header-sending WebSocket class, a browser with its cookie.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectSession, connectWorkspace, liveUrl } from "../../worker/client";

/** A WebSocket stand-in that records the URLs it is asked to open. */
function recordingSocket(opened: string[]) {
  return class {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly readyState = 0;
    constructor(url: string) {
      opened.push(String(url));
    }
    addEventListener() {}
    removeEventListener() {}
    close() {}
    send() {}
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("security: socket URLs", () => {
  it("builds ws URLs with only the parameters given", () => {
    expect(liveUrl("https://tower.example.com/", "/api/sessions/ses_1/live", { after: "7" })).toBe("wss://tower.example.com/api/sessions/ses_1/live?after=7");
    expect(liveUrl("http://127.0.0.1:8787", "/api/workspace/live")).toBe("ws://127.0.0.1:8787/api/workspace/live");
  });

  it("never puts a token in the URL, even when a caller passes one without a header-capable class", async () => {
    const opened: string[] = [];
    vi.stubGlobal("WebSocket", recordingSocket(opened));
    // What an old caller passes: a token and no WebSocket class (a browser used to get ?access_token=).
    const legacy = { baseUrl: "https://tower.example.com", token: "tower_secret_token_123", onFrame() {} };
    const session = connectSession({ ...legacy, sessionId: "ses_1" });
    const workspace = connectWorkspace(legacy);
    await vi.waitFor(() => expect(opened).toHaveLength(2));
    session.close();
    workspace.close();
    for (const url of opened) {
      expect(url).not.toContain("tower_secret_token_123");
      expect(new URL(url).searchParams.has("access_token")).toBe(false);
    }
  });
});
