import { describe, expect, it } from "vitest";
import { containsRedaction, scrubJson, scrubText } from "../../worker/domain/scrub";

// Shaped like real secrets; none of them is one. [name, text, kind, the secret itself]
const secrets: [string, string, string, string][] = [
  ["Anthropic key", "export ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd", "anthropic-key", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
  ["OpenAI key", "key: sk-proj-4f9Zq0lKx8T2vB7nM1cR5yW3aE6uJ9pH0sD2gF4k", "openai-key", "4f9Zq0lKx8T2vB7nM1cR5yW3aE6uJ9pH0sD2gF4k"],
  ["Tower token", "TOWER_TOKEN tower_NzX54wJxVNjTsvu1tXmGuw5vq7IEf5wGLVGZx-7SCW8", "tower-token", "NzX54wJxVNjTsvu1tXmGuw5vq7IEf5wGLVGZx-7SCW8"],
  ["GitHub PAT (classic)", "git clone with ghp_1234567890abcdefghijABCDEFGHIJ123456", "github-token", "1234567890abcdefghijABCDEFGHIJ123456"],
  ["GitHub fine-grained PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN", "github-token", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"],
  ["GitLab token", "glpat-xxxxXXXXxxxxXXXX1234", "gitlab-token", "xxxxXXXXxxxxXXXX1234"],
  ["Slack token", "SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack-token", "AbCdEfGhIjKlMnOpQrStUvWx"],
  ["AWS access key id", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws-access-key", "AKIAIOSFODNN7EXAMPLE"],
  ["AWS secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
  ["Google API key", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "google-api-key", "SyA1234567890abcdefghijklmnopqrstuv"],
  ["Stripe live key", "sk_live_51H8abcdefghijklmnopqrstuvwx", "stripe-key", "51H8abcdefghijklmnopqrstuvwx"],
  ["npm token", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm-token", "abcdefghijklmnopqrstuvwxyz0123456789"],
  ["JWT", "cookie: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt", "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
  ["password in a database URL", "DATABASE_URL=postgres://app:s3cr3t-P4ss@db.internal:5432/prod", "url-password", "s3cr3t-P4ss"],
  ["password in a git remote", "https://deploy:hunter2hunter2@github.com/acme/app.git", "url-password", "hunter2hunter2"],
  ["bearer header", "curl -H 'Authorization: Bearer abcdef0123456789abcdef0123456789' https://api", "bearer", "abcdef0123456789abcdef0123456789"],
  ["secret assignment", "STRIPE_WEBHOOK_SECRET=whsec_abcdefghijklmnop", "secret", "whsec_abcdefghijklmnop"],
  ["password assignment", 'DB_PASSWORD="correct-horse-battery"', "secret", "correct-horse-battery"],
  [
    "RSA private key",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----",
    "private-key",
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
  ],
  [
    "OpenSSH private key",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----",
    "private-key",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  ],
];

// Look-alikes that must come through untouched.
const harmless = [
  "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
  "session af84acb2-0f10-4e42-9bff-e5b877fbffbb started",
  "const token = getToken(); // no value here",
  "PASSWORD_MIN_LENGTH=8",
  "export SECRET_NAME=$SECRET_FROM_VAULT",
  "https://github.com/acme/app.git",
  "postgres://localhost:5432/dev",
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC public key is fine",
  "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----",
  "The file sk-ant.md explains the naming",
  "Read /home/dev/proj/src/auth/tokens.ts",
];

describe("secret scrubbing", () => {
  it.each(secrets)("redacts a %s", (_name, text, kind, secret) => {
    const out = scrubText(text);
    expect(out).toContain(`[REDACTED:${kind}]`);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(secret.slice(-8));
  });

  it.each(harmless)("leaves %j alone", (text) => {
    expect(scrubText(text)).toBe(text);
  });

  it("keeps the user name of a URL and redacts only its password", () => {
    expect(scrubText("mysql://root:pw123456@localhost/db")).toBe("mysql://root:[REDACTED:url-password]@localhost/db");
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
