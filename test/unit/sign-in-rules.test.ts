import { describe, expect, it } from "vitest";
import { isAllowedIssuer, isEmailAllowed, mayLinkByEmail, signInBucket, verifiedEmail } from "../../worker/domain/sign-in";

describe("sign-in rules", () => {
  it.each([
    ["https://id.example.com", true],
    ["http://127.0.0.1:9999", true],
    ["http://localhost:9999/realms/x", true],
    ["http://id.example.com", false],
    ["http://127.0.0.1.nip.io", false],
  ])("issuer %s allowed: %s", (url, ok) => {
    expect(isAllowedIssuer(url)).toBe(ok);
  });

  it("counts an email only when the provider says it is verified", () => {
    expect(verifiedEmail("Ann@Example.com", true)).toBe("ann@example.com");
    expect(verifiedEmail("ann@example.com", false)).toBeNull();
    expect(verifiedEmail("ann@example.com", "true")).toBeNull();
    expect(verifiedEmail(undefined, true)).toBeNull();
  });

  it("admits anyone the provider authenticates when no domain is listed, else only listed domains", () => {
    expect(isEmailAllowed(null, [])).toBe(true);
    expect(isEmailAllowed("ann@example.com", ["example.com"])).toBe(true);
    expect(isEmailAllowed("ann@evil.example", ["example.com"])).toBe(false);
    expect(isEmailAllowed("ann@sub.example.com", ["example.com"])).toBe(false);
    expect(isEmailAllowed(null, ["example.com"])).toBe(false);
  });

  it("links by email only an account that belongs to no other workspace", () => {
    expect(mayLinkByEmail([], "wsp_a")).toBe(true);
    expect(mayLinkByEmail(["wsp_a"], "wsp_a")).toBe(true);
    expect(mayLinkByEmail(["wsp_a", "wsp_b"], "wsp_a")).toBe(false);
  });
});

describe("sign-in rate-limit bucket", () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it("keys by the front door's header only, and puts everyone else in one shared bucket", () => {
    expect(signInBucket("cf-connecting-ip", headers({ "cf-connecting-ip": "203.0.113.5" }))).toBe("signin:203.0.113.5");
    // Under wrangler dev nothing vouches for an address: a client-supplied one must not open a new bucket.
    expect(signInBucket("", headers({ "cf-connecting-ip": "203.0.113.5", "x-forwarded-for": "198.51.100.1" }))).toBe("signin:unattributed");
    expect(signInBucket(undefined, headers({ "cf-connecting-ip": "203.0.113.6" }))).toBe("signin:unattributed");
    expect(signInBucket("x-test-client-address", headers({ "cf-connecting-ip": "203.0.113.7" }))).toBe("signin:unattributed");
  });
});
