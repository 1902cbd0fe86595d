/**
 * Secret scrubbing for transcripts: API keys, tokens, private keys and passwords in URLs are
 * replaced by `[REDACTED:<kind>]` before a message or tool input is stored or indexed. Pure; the
 * patterns are tested against a corpus of real-shaped secrets and of look-alikes that must survive.
 */

interface Pattern {
  kind: string;
  re: RegExp;
  /** Builds the replacement from the match groups; default replaces the whole match. */
  keep?: (m: RegExpExecArray) => string;
}

const R = (kind: string) => `[REDACTED:${kind}]`;

const PATTERNS: Pattern[] = [
  { kind: "private-key", re: /-----BEGIN ((?:[A-Z]+ )*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g },
  { kind: "anthropic-key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai-key", re: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/g },
  { kind: "tower-token", re: /\btower_[A-Za-z0-9_-]{40,}/g },
  { kind: "github-token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/g },
  { kind: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: "slack-token", re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: "aws-access-key", re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: "stripe-key", re: /\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,}/g },
  { kind: "npm-token", re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: "url-password",
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)([^\s@/"']{1,200})(@)/gi,
    keep: (m) => `${m[1]}${R("url-password")}${m[3]}`,
  },
  {
    kind: "bearer",
    re: /\b(authorization:\s*bearer\s+)([A-Za-z0-9._~+/=-]{16,})/gi,
    keep: (m) => `${m[1]}${R("bearer")}`,
  },
  {
    kind: "aws-secret",
    re: /\b(aws_secret_access_key\s*[=:]\s*["']?)([A-Za-z0-9/+=]{40})/gi,
    keep: (m) => `${m[1]}${R("aws-secret")}`,
  },
  {
    // NAME=value where the name says it is a secret (env files, shell exports, CI config).
    kind: "secret-assignment",
    re: /\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*\s*[=:]\s*)(["']?)([^\s"'$[]{8,})\2/g,
    keep: (m) => `${m[1]}${m[2]}${R("secret")}${m[2]}`,
  },
];

/** Scrubs one string; returns it unchanged (the same string) when nothing matched. */
export function scrubText(text: string): string {
  if (text.length < 8) return text;
  let out = text;
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    if (!p.re.test(out)) continue;
    p.re.lastIndex = 0;
    out = out.replace(p.re, (...args: unknown[]) => {
      if (!p.keep) return R(p.kind);
      const groups = args.slice(0, -2) as string[];
      const m = Object.assign([...groups], { index: 0, input: out }) as unknown as RegExpExecArray;
      return p.keep(m);
    });
  }
  return out;
}

/** Scrubs every string inside a JSON value (keys are left alone). Returns the same object if clean. */
export function scrubJson<T>(value: T): T {
  if (typeof value === "string") return scrubText(value) as T;
  if (Array.isArray(value)) {
    let changed = false;
    const next = value.map((v) => {
      const s = scrubJson(v);
      if (s !== v) changed = true;
      return s;
    });
    return (changed ? next : value) as T;
  }
  if (value && typeof value === "object") {
    let changed = false;
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = scrubJson(v);
      if (s !== v) changed = true;
      next[k] = s;
    }
    return (changed ? next : value) as T;
  }
  return value;
}

/** True if a value carries a redaction marker (an edit built on a scrubbed copy). */
export function containsRedaction(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes("[REDACTED:");
}
