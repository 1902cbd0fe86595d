/**
 * The runtime under the typed client: `api.sessions[":id"].$get({ param, query, json, header })` becomes
 * one fetch, its URL built as hono's `hc` builds it (client-rpc.test.ts holds the two side by side). It
 * exists because `hc` wraps headers in a `Headers`, and in Node that global is undici, whose loading
 * costs every `tower` command tens of ms of CPU; this sends a plain record. Types stay the route table's.
 */

/** What `call` reads of a response (hono's `ClientResponse`, in any runtime's `Response` flavour). */
export type Answer = Pick<Response, "ok" | "status" | "url" | "text">;

/**
 * What the client asks of fetch: a method, headers and at most a text body, and only an `Answer` back.
 * Global fetch is one; the CLI passes a lighter one (agent/cli/http-fetch.ts).
 */
export type Fetcher = (
  input: string | URL,
  init?: { method?: string; headers?: HeadersInit; body?: string | null; signal?: AbortSignal | null },
) => Promise<Answer>;

/** The argument of a route method, as hc takes it (form bodies and cookies are not used by Tower's client). */
interface CallArgs {
  param?: Record<string, string>;
  query?: Record<string, string | readonly string[] | undefined>;
  json?: unknown;
  header?: Record<string, string | undefined>;
}

function urlOf(base: string, path: string[], args: CallArgs): string {
  // hc's rules: an `index` segment names the parent path; `:name` (with an optional `{regex}` or `?`) takes its param.
  let url = `${base}/${path.join("/")}`;
  url = /^https?:\/\/[^/]+?\/index$/.test(url) ? url.replace(/\/index$/, "/") : url.replace(/\/index$/, "");
  for (const [k, v] of Object.entries(args.param ?? {})) url = url.replace(new RegExp(`/:${k}(?:{[^/]+})?\\??(?=/|$)`), () => (v ? `/${v}` : ""));
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(args.query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) search.append(k, one);
    else search.set(k, String(v));
  }
  const qs = search.toString();
  return qs ? `${url}?${qs}` : url;
}

/**
 * A proxy that answers every property path with a deeper path and sends on `$get`, `$post`, `$put`,
 * `$patch` or `$delete`. `headers` go with every request and win over a call's own `header`, as in hc.
 */
export function rpcProxy(baseUrl: string, fetcher: Fetcher, headers: Record<string, string>): unknown {
  const base = baseUrl.replace(/\/+$/, "");
  const at = (path: string[]): unknown =>
    new Proxy(() => {}, {
      // `then` stays undefined, so an awaited path is not mistaken for a promise.
      get: (_t, key) => (typeof key !== "string" || key === "then" ? undefined : at([...path, key])),
      apply: (_t, _this, argList: unknown[]) => {
        const verb = path.at(-1) ?? "";
        if (!/^\$(get|post|put|patch|delete)$/.test(verb)) throw new TypeError(`${path.join(".")} is not a route method`);
        const method = verb.slice(1).toUpperCase();
        const args = (argList[0] ?? {}) as CallArgs;
        const sent: Record<string, string> = {};
        for (const [k, v] of Object.entries({ ...args.header, ...headers })) if (v !== undefined) sent[k.toLowerCase()] = v;
        if (args.json !== undefined) sent["content-type"] = "application/json";
        const hasBody = args.json !== undefined && method !== "GET";
        return fetcher(urlOf(base, path.slice(0, -1), args), { method, headers: sent, ...(hasBody ? { body: JSON.stringify(args.json) } : {}) });
      },
    });
  return at([]);
}
