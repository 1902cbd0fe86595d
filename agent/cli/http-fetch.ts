/**
 * The `tower` command's HTTP requests, over node:http(s) instead of Node's global fetch: fetch is undici,
 * which Node loads and sets up (its JS and a WebAssembly HTTP parser) at first use, about 200 ms of CPU,
 * more than the rest of `tower ls`. This does what the typed client asks of fetch (method, headers, a
 * text body; redirects followed as fetch follows them) and answers what it reads (ok, status, url, text).
 */
import type { IncomingMessage } from "node:http";
import type { Fetcher } from "../../worker/client";

type HeaderInit = NonNullable<Parameters<Fetcher>[1]>["headers"];

function headerRecord(init: HeaderInit): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  // A Headers instance (what the typed client sends) or a list of pairs or a plain record.
  if (typeof (init as Headers).forEach === "function" && !Array.isArray(init)) (init as Headers).forEach((v, k) => void (out[k.toLowerCase()] = v));
  else for (const [k, v] of Array.isArray(init) ? init : Object.entries(init)) out[k.toLowerCase()] = String(v);
  return out;
}

interface Sent {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal | undefined;
}

async function once(req: Sent): Promise<{ res: IncomingMessage; text: () => Promise<string> }> {
  // https (and with it TLS) loads only for an https server; loopback needs neither.
  const { request } = req.url.protocol === "https:" ? await import("node:https") : await import("node:http");
  const headers = req.body === undefined ? req.headers : { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) };
  return new Promise((resolve, reject) => {
    const r = request(req.url, { method: req.method, headers, ...(req.signal ? { signal: req.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      const done = new Promise<string>((ok, fail) => {
        res.on("data", (c: Buffer) => chunks.push(c));
        res.once("end", () => ok(Buffer.concat(chunks).toString("utf8")));
        res.once("error", fail);
      });
      // Read at once, so the socket is freed (and the process can exit) whatever the caller reads.
      done.catch(() => {});
      resolve({ res, text: () => done });
    });
    r.once("error", reject);
    r.end(req.body);
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** fetch's contract for the typed client, over node:http(s). Errors reject as fetch's do (the client words them). */
export const httpFetch: Fetcher = async (input, init = {}) => {
  let req: Sent = {
    url: new URL(String(input)),
    method: (init.method ?? "GET").toUpperCase(),
    headers: headerRecord(init.headers),
    body: init.body === undefined || init.body === null ? undefined : String(init.body),
    signal: init.signal ?? undefined,
  };
  // Followed as fetch's default `redirect: "follow"` does: at most 20, a 303 (or a POST's 301/302)
  // becomes a body-less GET, and the credentials stay behind when the origin changes.
  for (let hops = 0; ; hops++) {
    const { res, text } = await once(req);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (!REDIRECTS.has(status) || location === undefined) {
      return { ok: status >= 200 && status < 300, status, url: req.url.href, text };
    }
    if (hops === 20) throw new TypeError(`redirect count exceeded at ${req.url.href}`);
    const url = new URL(location, req.url);
    const toGet = status === 303 ? req.method !== "HEAD" : (status === 301 || status === 302) && req.method === "POST";
    const headers = { ...req.headers };
    if (toGet) for (const h of ["content-type", "content-length"]) delete headers[h];
    if (url.origin !== req.url.origin) for (const h of ["authorization", "cookie"]) delete headers[h];
    req = { ...req, url, headers, ...(toGet ? { method: "GET", body: undefined } : {}) };
  }
};
