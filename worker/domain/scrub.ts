/**
 * Secret scrubbing: API keys, tokens, private keys, passwords in URLs and `name = secret` lines are
 * replaced by `[REDACTED:<kind>]` before anything is stored, indexed or fanned out (the SessionRoom's
 * reducer is the one caller on that path). Pure and linear in the length of the text: the token
 * shapes live in secret-rules.ts; private keys and assignments are read by scanners that visit each
 * character a bounded number of times, and JSON is walked to a bounded depth.
 */
import { TOKEN_RULES } from "./secret-rules";

export const redactionMarker = (kind: string): string => `[REDACTED:${kind}]`;

/** Deeper than this, a JSON subtree is replaced by one marker (no message Claude Code sends nests this far). */
export const MAX_SCRUB_DEPTH = 64;

/** Scrubs one string; returns it unchanged (the same string) when nothing matched. */
export function scrubText(text: string): string {
  if (text.length < 8) return text;
  let out = redactPrivateKeys(text);
  for (const rule of TOKEN_RULES) {
    rule.re.lastIndex = 0;
    if (!rule.re.test(out)) continue;
    const marker = redactionMarker(rule.kind);
    out = out.replace(rule.re, (_match: string, prefix: unknown) => (rule.keepPrefix && typeof prefix === "string" ? prefix + marker : marker));
  }
  return redactAssignments(out);
}

// ---- private keys (PEM and PGP armour), with or without their END line ----

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_HEADER = /[A-Za-z-]{1,32}: /y;
const isBase64 = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;

/** Skips blanks and line breaks (real ones, or `\n` escaped inside JSON text); says whether a break was seen. */
function skipBreaks(text: string, i: number): { at: number; broke: boolean } {
  let broke = false;
  while (i < text.length) {
    const c = text[i];
    const escaped = c === "\\" && (text[i + 1] === "n" || text[i + 1] === "r");
    if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r" && !escaped) break;
    if (c === "\n" || c === "\r" || escaped) broke = true;
    i += escaped ? 2 : 1;
  }
  return { at: i, broke };
}

/** Where a key's body ends: after its END line, or after the last line that still looks like the key. */
function pemBodyEnd(text: string, from: number): number {
  let end = from;
  for (;;) {
    const { at, broke } = skipBreaks(text, end);
    if (text.startsWith("-----END ", at)) {
      const close = text.indexOf("-----", at + 9);
      return close !== -1 && close - at <= 80 ? close + 5 : end;
    }
    if (!broke) return end;
    PEM_HEADER.lastIndex = at;
    let i = at;
    if (PEM_HEADER.test(text)) {
      i = PEM_HEADER.lastIndex;
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r" && text[i] !== "\\") i++;
    } else {
      while (i < text.length && isBase64(text.charCodeAt(i))) i++;
    }
    if (i === at) return end;
    end = i;
  }
}

function redactPrivateKeys(text: string): string {
  if (!text.includes("PRIVATE KEY")) return text;
  let out = "";
  let last = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    const end = pemBodyEnd(text, PEM_BEGIN.lastIndex);
    out += text.slice(last, m.index) + redactionMarker("private-key");
    last = end;
    PEM_BEGIN.lastIndex = end;
  }
  return last === 0 ? text : out + text.slice(last);
}

// ---- `name = value` where the name says the value is a secret ----

/** A name (maybe quoted, maybe JSON-escaped) and an assignment operator; the value is read separately. */
const ASSIGN = /(?<![A-Za-z0-9_.-])(\\?["']?)([A-Za-z0-9_.-]{1,64})\1[ \t]{0,8}(?:=>|:=|\?=|=|:)[ \t]{0,8}/g;
const QUOTED_VALUE = /(\\?["'`])([^"'`\\\r\n]{1,500})\1/y;
const BARE_VALUE = /[^\s"'`,;&|\\]{1,500}/y;

const SECRET_WORDS = new Set(["password", "passwd", "passphrase", "secret", "token", "apikey", "secretkey", "accesskey", "privatekey"]);
const GLUED_ENDINGS = ["password", "passwd", "secret", "token", "apikey", "secretkey", "accesskey", "privatekey"];
/** Words that, before `key`, make it a secret key (API_KEY, SecretAccessKey, x-api-key, signing_key). */
const KEY_QUALIFIERS = new Set([
  "api",
  "access",
  "secret",
  "private",
  "account",
  "signing",
  "encryption",
  "client",
  "master",
  "auth",
  "app",
  "service",
  "shared",
  "webhook",
  "session",
]);
const NOT_VALUES = new Set(["null", "nil", "none", "true", "false", "undefined", "required", "optional", "string", "number", "boolean", "bool", "str", "int"]);

/** Every secret name holds one of these; most names do not, and skip the word split. */
const SECRET_HINT = /pass|secret|token|key|pwd/i;

/** Splits `SecretAccessKey`, `db_password`, `x-api-key`, `--password` into lower-case words. */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[ _.-]/)
    .filter(Boolean);
}

/** The kind of secret a name announces, or null: judged by its last word, so TOKEN_COUNT is not a token. */
export function secretKindOf(name: string): string | null {
  if (!SECRET_HINT.test(name)) return null;
  const words = wordsOf(name);
  const last = words.at(-1);
  if (!last) return null;
  const isSecret =
    SECRET_WORDS.has(last) ||
    ((last === "pwd" || last === "pass") && words.length > 1) ||
    (last === "key" && KEY_QUALIFIERS.has(words.at(-2) ?? "")) ||
    GLUED_ENDINGS.some((e) => last.length > e.length && last.endsWith(e));
  if (!isSecret) return null;
  return words.includes("aws") || words.join("").endsWith("secretaccesskey") ? "aws-secret" : "secret";
}

/** False for what is plainly not a secret value: placeholders, references, masks, paths, code. */
function isSecretValue(value: string, quoted: boolean): boolean {
  if (value.length < 4 || /^[$%<{[]/.test(value) || /^[*•xX#.-]+$/.test(value) || NOT_VALUES.has(value.toLowerCase())) return false;
  if (quoted) return true;
  if (/[()[\]{}<>]/.test(value) || value.includes("://") || /^(?:~|\.{1,2})?\//.test(value)) return false;
  // `self.token = token`, `apiKey: apiKey`, `password=newPassword`: a variable, not a value.
  if (SECRET_HINT.test(value) && /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(value)) return false;
  const parts = value.split(".");
  return !(parts.length > 1 && parts.every((p) => /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(p)));
}

/** The scanners' own patterns, for the test that checks every pattern's shape. */
export const SCANNER_PATTERNS: RegExp[] = [PEM_BEGIN, PEM_HEADER, ASSIGN, QUOTED_VALUE, BARE_VALUE];

function redactAssignments(text: string): string {
  let out = "";
  let last = 0;
  ASSIGN.lastIndex = 0;
  for (let m = ASSIGN.exec(text); m; m = ASSIGN.exec(text)) {
    const valueAt = ASSIGN.lastIndex;
    const kind = secretKindOf(m[2]!);
    if (!kind) continue; // scanning goes on from the value, which may hold an assignment of its own
    QUOTED_VALUE.lastIndex = valueAt;
    const q = QUOTED_VALUE.exec(text);
    BARE_VALUE.lastIndex = valueAt;
    const bare = q ? null : BARE_VALUE.exec(text);
    const value = q ? q[2]! : bare?.[0];
    if (value === undefined || !isSecretValue(value, Boolean(q))) continue;
    const quote = q?.[1] ?? "";
    out += text.slice(last, valueAt) + quote + redactionMarker(kind) + quote;
    last = q ? QUOTED_VALUE.lastIndex : BARE_VALUE.lastIndex;
    ASSIGN.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}

// ---- text still being written ----

/**
 * The scrubbed part of a text still being written (Claude's streamed reply) that may be shown now:
 * nothing of a secret the finished text would have redacted, not even its start. Every rule matches
 * within one line (a private key is redacted from its BEGIN line on, whatever follows), and only a
 * quoted value holds blanks: so complete lines may be shown, and in the line still being written the
 * words up to its last blank, except from an open quoted value of a secret assignment on.
 */
export function scrubPartial(text: string): string {
  const lineStart = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r")) + 1;
  const blank = Math.max(text.lastIndexOf(" "), text.lastIndexOf("\t"));
  let cut = lineStart;
  if (blank >= lineStart) cut = openSecretQuote(text, lineStart, blank + 1) ?? blank + 1;
  return scrubText(text.slice(0, cut));
}

/** Where a secret assignment's quoted value opens in `text[from, to)` without closing there, or null. */
function openSecretQuote(text: string, from: number, to: number): number | null {
  const line = text.slice(0, to);
  ASSIGN.lastIndex = from;
  for (let m = ASSIGN.exec(line); m; m = ASSIGN.exec(line)) {
    const valueAt = ASSIGN.lastIndex;
    if (!secretKindOf(m[2]!)) continue;
    const c = line[valueAt] === "\\" ? line[valueAt + 1] : line[valueAt];
    if (c !== '"' && c !== "'" && c !== "`") continue;
    QUOTED_VALUE.lastIndex = valueAt;
    if (!QUOTED_VALUE.exec(line)) return valueAt;
    ASSIGN.lastIndex = QUOTED_VALUE.lastIndex;
  }
  return null;
}

// ---- JSON values ----

/**
 * Scrubs every string inside a JSON value (keys are left alone). Returns the same object if clean;
 * never mutates its input. A subtree deeper than MAX_SCRUB_DEPTH becomes one marker, so a hostile
 * nesting can neither exhaust the stack here nor be stored.
 */
export function scrubJson<T>(value: T): T {
  return scrubAt(value, 0) as T;
}

function scrubAt(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrubText(value);
  if (!value || typeof value !== "object") return value;
  if (depth >= MAX_SCRUB_DEPTH) return redactionMarker("too-deep");
  if (Array.isArray(value)) {
    let changed = false;
    const next = value.map((v: unknown) => {
      const s = scrubAt(v, depth + 1);
      if (s !== v) changed = true;
      return s;
    });
    return changed ? next : value;
  }
  let changed = false;
  const next: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const s = scrubAt(v, depth + 1);
    if (s !== v) changed = true;
    next[k] = s;
  }
  return changed ? next : value;
}

/** True if a JSON value nests deeper than `limit`; looks no deeper than that, so it is safe on any input. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (!value || typeof value !== "object") return false;
  if (limit <= 0) return true;
  return Object.values(value).some((v: unknown) => nestsDeeperThan(v, limit - 1));
}

/** True if a value carries a redaction marker (an edit built on a scrubbed copy); bounded like scrubJson. */
export function containsRedaction(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("[REDACTED:");
  if (!value || typeof value !== "object" || depth >= MAX_SCRUB_DEPTH) return false;
  return Object.values(value).some((v: unknown) => containsRedaction(v, depth + 1));
}
