/**
 * The CLI's fetch over node:http (agent/cli/http-fetch.ts) answers as Node's fetch does for what the
 * typed client sends: the same requests reach the server (redirects followed alike) and the same
 * status, final URL and text come back. Node's fetch is the oracle; both run against one local server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFetch } from "../../agent/cli/http-fetch";

interface Seen {
  port: number;
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

let seen: Seen[] = [];
const servers: Server[] = [];
let base = "";
let other = "";

/** Two servers (two origins): /to-other/* redirects across them; /status/N/… answers N. */
function serve(): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += String(c)));
    req.on("end", () => {
      const port = (server.address() as AddressInfo).port;
      seen.push({ port, method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers["content-type"], body });
      const [, kind, arg] = req.url?.split("/") ?? [];
      if (kind === "redirect") return res.writeHead(Number(arg), { location: "/done?x=1" }).end();
      if (kind === "to-other") return res.writeHead(307, { location: `${other}/done` }).end();
      if (kind === "loop") return res.writeHead(302, { location: "/loop" }).end();
      res.writeHead(kind === "status" ? Number(arg) : 200, { "content-type": "application/json" }).end(JSON.stringify({ méthode: req.method, body }));
    });
  });
  servers.push(server);
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  base = await serve();
  other = await serve();
});
afterAll(() => Promise.all(servers.map((s) => new Promise((ok) => s.close(ok)))));

async function both(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const answers = [];
  const requests = [];
  for (const f of [fetch, httpFetch]) {
    seen = [];
    const r = await f(`${base}${path}`, init);
    answers.push({ ok: r.ok, status: r.status, url: r.url, text: await r.text() });
    requests.push(seen);
  }
  return { answers, requests };
}

const auth = { authorization: "Bearer tok" };
const json = { ...auth, "content-type": "application/json" };

describe("happy", () => {
  it.each([
    ["a GET with a query", "/api/sessions?status=running%2Cfailed", { headers: auth }],
    ["a JSON POST", "/api/sessions", { method: "POST", headers: json, body: JSON.stringify({ prompt: "héllo" }) }],
    ["an empty PATCH", "/api/x", { method: "PATCH", headers: auth }],
    ["an error status", "/status/404/x", { headers: auth }],
    ["a 301 of a POST (becomes a GET)", "/redirect/301", { method: "POST", headers: json, body: "{}" }],
    ["a 303 of a PUT (becomes a GET)", "/redirect/303", { method: "PUT", headers: json, body: "{}" }],
    ["a 307 of a POST (kept)", "/redirect/307", { method: "POST", headers: json, body: '{"a":1}' }],
    ["a 308 of a DELETE (kept)", "/redirect/308", { method: "DELETE", headers: auth }],
    ["a redirect to another origin (credentials stay behind)", "/to-other/x", { headers: auth }],
  ])("answers as Node's fetch: %s", async (_name, path, init) => {
    const { answers, requests } = await both(path, init);
    expect(answers[1]).toEqual(answers[0]);
    expect(requests[1]).toEqual(requests[0]);
  });
});

describe("errors", () => {
  it("rejects when nothing listens, and after too many redirects, as fetch does", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    await expect(httpFetch(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
    await expect(fetch(`${base}/loop`)).rejects.toThrow();
    await expect(httpFetch(`${base}/loop`)).rejects.toThrow(/redirect count exceeded/);
  });
});
