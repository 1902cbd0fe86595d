/**
 * Security headers on every response the Worker makes itself (API JSON, errors, sign-in redirects),
 * applied once at the entry (worker/index.ts) so that no route, error or 404 path can miss them. The
 * web app's files are static assets served before the Worker runs; web/public/_headers gives them the
 * same headers with the page's own CSP. Keep the two in step.
 */

/** An API answer is data, never a document: it may load nothing and be framed by no one. */
const HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function withSecurityHeaders(res: Response): Response {
  // A socket upgrade's 101 belongs to the Durable Object that accepted it; it carries no document.
  if (res.status === 101) return res;
  // Responses relayed from a Durable Object have immutable headers: copy once, then set.
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(HEADERS)) out.headers.set(k, v);
  return out;
}
