import { describe, expect, it } from "vitest";
import { containsRedaction, MAX_SCRUB_DEPTH, SCANNER_PATTERNS, scrubJson, scrubText } from "../../worker/domain/scrub";
import { TOKEN_RULES } from "../../worker/domain/secret-rules";
import { LOOK_ALIKES, SECRETS } from "./scrub-corpus";

// [text, kind]: the marker names what was found.
const kinds: [string, string][] = [
  ["export ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd", "anthropic-key"],
  ["key: sk-proj-4f9Zq0lKx8T2vB7nM1cR5yW3aE6uJ9pH0sD2gF4k", "openai-key"],
  ["TOWER_TOKEN tower_NzX54wJxVNjTsvu1tXmGuw5vq7IEf5wGLVGZx-7SCW8", "tower-token"],
  ["git clone with ghp_1234567890abcdefghijABCDEFGHIJ123456", "github-token"],
  ["aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws-access-key"],
  ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret"],
  ['{"SecretAccessKey": "9drTJvcXLB89EXAMPLELB8923FB892xMFI"}', "aws-secret"],
  ["https://hooks.slack.com/services/T01ABCD2EFG/B02HIJK3LMN/aBcDeFgHiJkLmNoPqRsTuVwX", "slack-webhook"],
  ["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", "sendgrid-key"],
  ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "stripe-webhook-secret"],
  ["curl -H 'Authorization: Bearer abcdef0123456789abcdef0123456789' https://api", "authorization"],
  ['DB_PASSWORD="correct-horse-battery"', "secret"],
  ["-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0zXo0BCADIuR6lB2rZx3L1TqA4vlBQhXcT2d6nOz8aT6Q8y3KdbF9c7Hq1\n", "private-key"],
  ["AccountName=acme;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;", "azure-key"],
];

/**
 * Checks that a pattern can only backtrack a bounded amount at each start: no `*`, `+` or `{n,}`,
 * and no quantifier on a group that itself holds a quantifier (the shape behind catastrophic cases).
 */
function unboundedParts(source: string): string[] {
  const problems: string[] = [];
  const groups: boolean[] = [];
  type Atom = "char" | "group-with-quantifier" | "group" | "quantifier" | null;
  let lastAtom = null as Atom;
  const quantified = (what: string) => {
    if (lastAtom === "group-with-quantifier") problems.push(`quantifier ${what} on a group with a quantifier inside`);
    if (groups.length) groups[groups.length - 1] = true;
    lastAtom = "quantifier";
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") i++, (lastAtom = "char");
    else if (c === "[") {
      for (i++; i < source.length && source[i] !== "]"; i++) if (source[i] === "\\") i++;
      lastAtom = "char";
    } else if (c === "(") {
      groups.push(false);
      const m = /^\(\?(?:[:=!]|<[=!]|<[A-Za-z]+>)/.exec(source.slice(i));
      if (m) i += m[0].length - 1;
      lastAtom = null;
    } else if (c === ")") {
      const inner = groups.pop() ?? false;
      if (inner && groups.length) groups[groups.length - 1] = true;
      lastAtom = inner ? "group-with-quantifier" : "group";
    } else if (c === "*" || c === "+") problems.push(`unbounded ${c} at ${i}`);
    else if (c === "?") {
      if (lastAtom !== "quantifier") quantified("?");
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) continue;
      if (m[2] && !m[3]) problems.push(`unbounded ${m[0]} at ${i}`);
      quantified(m[0]);
      i += m[0].length - 1;
    } else lastAtom = "char";
  }
  return problems;
}

describe("secret scrubbing", () => {
  it("has a corpus of at least 50 secret shapes and 30 look-alikes", () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(50);
    expect(LOOK_ALIKES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SECRETS)("redacts a %s", (_name, text, secret) => {
    const out = scrubText(text);
    expect(out).toContain("[REDACTED:");
    expect(out).not.toContain(secret);
    expect(out).not.toContain(secret.slice(-8));
    expect(scrubText(out)).toBe(out); // a second pass finds nothing more
  });

  it.each(LOOK_ALIKES)("leaves %j byte for byte", (text) => {
    expect(scrubText(text)).toBe(text);
  });

  it.each(kinds)("names what it found in %j", (text, kind) => {
    expect(scrubText(text)).toContain(`[REDACTED:${kind}]`);
  });

  it("keeps the user name of a URL and redacts only its password", () => {
    expect(scrubText("mysql://root:pw123456@localhost/db")).toBe("mysql://root:[REDACTED:url-password]@localhost/db");
  });

  it("keeps the name, the quotes and the text after an assignment", () => {
    expect(scrubText('{"password": "hunter22", "user": "ann"}')).toBe('{"password": "[REDACTED:secret]", "user": "ann"}');
    expect(scrubText("db_password=hunter22 psql")).toBe("db_password=[REDACTED:secret] psql");
    expect(scrubText("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQ\n-----END EC PRIVATE KEY-----\nnext line")).toBe("[REDACTED:private-key]\nnext line");
  });

  it("scrubs every string inside an SDK message and returns clean values untouched", () => {
    const clean = { type: "assistant", message: { content: [{ type: "text", text: "all good" }] } };
    expect(scrubJson(clean)).toBe(clean);
    const dirty = { type: "user", message: { content: [{ type: "tool_result", content: "OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789abcd" }] } };
    const out = scrubJson(dirty);
    expect(JSON.stringify(out)).not.toContain("sk-abcdefghijklmnop");
    expect(containsRedaction(out)).toBe(true);
    expect(dirty.message.content[0]!.content).toContain("sk-abc"); // the input object is not mutated
  });
});

describe("security: hostile input", () => {
  it("replaces a subtree nested deeper than the limit by a marker instead of recursing into it", () => {
    let deep: unknown = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    for (let i = 0; i < 20_000; i++) deep = { a: [deep] };
    const out = scrubJson({ type: "user", nested: deep }) as { nested: unknown };
    const text = JSON.stringify(out);
    expect(text).toContain("[REDACTED:too-deep]");
    expect(text).not.toContain("sk-ant-");
    expect(text.split("{").length - 1).toBeLessThanOrEqual(MAX_SCRUB_DEPTH + 1);
    expect(containsRedaction(deep)).toBe(false);
  });

  it.each([...TOKEN_RULES.map((r) => [r.kind, r.re] as const), ...SCANNER_PATTERNS.map((re, i) => [`scanner ${i}`, re] as const)])(
    "pattern %s can only backtrack a bounded amount",
    (_kind, re) => {
      expect(unboundedParts(re.source)).toEqual([]);
    },
  );

  const KB100 = 100_000;
  const adversarial: [string, string][] = [
    ["TOKEN", "TOKEN".repeat(KB100 / 5)],
    ["a=", "a=".repeat(KB100 / 2)],
    ["-----BEGIN ", "-----BEGIN ".repeat(KB100 / 11)],
    ["a private key header", "-----BEGIN RSA PRIVATE KEY-----\n".repeat(KB100 / 32)],
    ["eyJ", "eyJ".repeat(KB100 / 3)],
    ["eyJ.", "eyJ.".repeat(KB100 / 4)],
    ["password=", "password=".repeat(KB100 / 9)],
    ['"password":', '"password":'.repeat(KB100 / 11)],
    ["https://a:", "https://a:".repeat(KB100 / 10)],
    ["Authorization: Bearer ", "Authorization: Bearer ".repeat(KB100 / 22)],
    ["sk-", "sk-".repeat(KB100 / 3)],
    ["base64 run", "A".repeat(KB100)],
  ];
  it.each(adversarial)("scrubs 100 KB of %j and returns", (_name, text) => {
    const out = scrubText(text);
    expect(typeof out).toBe("string");
    expect(scrubText(out)).toBe(out);
  });
});
