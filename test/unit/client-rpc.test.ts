/**
 * The typed client's transport (worker/client-rpc.ts) sends what hono's `hc` would send for the same
 * route call: method, URL (index paths, params, query), headers and body. hc is the oracle here.
 */
import { hc } from "hono/client";
import { describe, expect, it } from "vitest";
import { rpcProxy } from "../../worker/client-rpc";

interface Seen {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | undefined;
}

/** A fetch that records the request (headers normalised as a `Headers` would) and answers `{}`. */
function recorder(seen: Seen[]) {
  return async (input: string | URL | Request, init?: { method?: string; headers?: HeadersInit; body?: unknown }) => {
    const headers: [string, string][] = [];
    new Headers(init?.headers).forEach((v, k) => void headers.push([k, v]));
    seen.push({ url: String(input), method: init?.method ?? "GET", headers, body: init?.body == null ? undefined : String(init.body) });
    return new Response("{}");
  };
}

type Route = (...args: unknown[]) => Promise<unknown>;
const route = (root: unknown, path: string[]): Route => path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Route;

const CALLS: [string, string[], unknown?][] = [
  ["plain GET", ["api", "health", "$get"]],
  ["index segment", ["api", "index", "$get"]],
  ["root index", ["index", "$get"]],
  ["param", ["api", "sessions", ":id", "events", "$get"], { param: { id: "ses_1" }, query: { after: "3", limit: "500" } }],
  ["encoded param", ["api", "templates", ":id", "$get"], { param: { id: encodeURIComponent("a b/c") }, query: { version: undefined } }],
  ["empty param", ["api", "sessions", ":id", "$get"], { param: { id: "" } }],
  ["query list and escapes", ["api", "sessions", "$get"], { query: { status: ["running", "failed"], q: "a&b=c d", archived: "false" } }],
  ["json POST with header", ["api", "sessions", "$post"], { json: { prompt: "hi", n: 1 }, header: { "idempotency-key": "k1", Authorization: "Bearer other" } }],
  ["PUT", ["api", "rules", "$put"], { json: { source: "rules: []\n" } }],
  ["PATCH", ["api", "sessions", ":id", "$patch"], { param: { id: "ses_2" }, json: { title: "t" } }],
  ["DELETE without body", ["api", "tokens", ":id", "$delete"], { param: { id: "tok_1" } }],
  ["json on a GET", ["api", "health", "$get"], { json: { ignored: true } }],
];

describe("happy", () => {
  it.each(CALLS)("sends what hc sends: %s", async (_name, path, args) => {
    for (const base of ["http://tower.test", "https://tower.test/prefix/", "/", ""]) {
      const viaHc: Seen[] = [];
      const viaProxy: Seen[] = [];
      const headers = { authorization: "Bearer tok" };
      await route(hc(base, { fetch: recorder(viaHc), headers }), path)(args);
      await route(rpcProxy(base, recorder(viaProxy), headers), path)(args);
      expect(viaProxy).toEqual(viaHc);
      expect(viaProxy).toHaveLength(1);
    }
  });
});

describe("errors", () => {
  it("refuses a call on a path that is not a route method, and is not a thenable", async () => {
    const api = rpcProxy("http://tower.test", recorder([]), {}) as Record<string, unknown>;
    expect(() => route(api, ["api", "sessions"])()).toThrow(/not a route method/);
    expect((api.api as Record<string, unknown>).then).toBeUndefined();
  });
});
