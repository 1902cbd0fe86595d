import { describe, expect, it } from "vitest";
import { isAllowedIssuer, isEmailAllowed, mayLinkByEmail, verifiedEmail } from "../../worker/domain/sign-in";

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
