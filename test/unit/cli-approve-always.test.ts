/**
 * `tower approve --always` through the real command tree (runCli) against an in-process server: it
 * shows the narrowest rule, asks (or takes --yes), and only then posts it; without a terminal and
 * without --yes, and for a call Claude Code flagged, nothing is posted.
 */
import { describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import { APR, NOW, approval, cliHarness, summary } from "./cli-fixtures";

const PENDING = approval({ input: { command: "npm test" }, inputSha256: "ab".repeat(32) });

/** The CLI against a server that shows `shown`, its session, and answers an always-allow with the rule added. */
function harness(shown: Approval, confirm?: (q: string) => Promise<boolean>) {
  const h = cliHarness(
    (req) => ({
      json: req.url.pathname.startsWith("/api/sessions/")
        ? summary({ cwd: "/home/dev/proj" })
        : req.url.pathname.endsWith("/always-allow")
          ? { approval: { ...shown, status: "approved", via: "human", decidedAt: NOW }, version: 4, ruleId: (req.body as { rule: { id: string } }).rule.id }
          : shown,
    }),
    { confirm },
  );
  return { ...h, posted: () => h.sent.filter((r) => r.method === "POST") };
}

describe("happy", () => {
  it("--always --yes shows the narrowest rule and posts exactly it with the hash it was shown", async () => {
    const h = harness(PENDING);
    const r = await h.run("approve", APR, "--always", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Always allow the command `npm test` in /home/dev/proj");
    expect(r.stdout).toContain("command:");
    expect(r.stdout).toContain("directory: /home/dev/proj");
    expect(r.stdout).toMatch(/added rule always-bash-\S+ \(rules version 4\); approved/);
    expect(h.posted()).toHaveLength(1);
    expect(h.posted()[0]!.url.pathname).toBe(`/api/approvals/${APR}/always-allow`);
    expect(h.posted()[0]!.body).toMatchObject({
      inputSha256: "ab".repeat(32),
      rule: { decision: "allow", tool: ["Bash"], command: ["npm test"], scope: { directory: "/home/dev/proj" } },
    });
  });

  it("asks on a terminal and posts on yes; on no it posts nothing", async () => {
    const yes = harness(PENDING, async () => true);
    expect((await yes.run("approve", APR, "--always")).code).toBe(0);
    expect(yes.asked).toEqual(["Add this rule and approve the call?"]);
    expect(yes.posted()).toHaveLength(1);
    const no = harness(PENDING, async () => false);
    const r = await no.run("approve", APR, "--always");
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("nothing added; the call still waits");
    expect(no.posted()).toEqual([]);
  });
});

describe("errors", () => {
  it("refuses without a terminal and without --yes, naming the flag, and posts nothing", async () => {
    const h = harness(PENDING);
    const r = await h.run("approve", APR, "--always");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("there is no terminal to ask on");
    expect(r.stderr).toContain(`tower approve ${APR} --always --yes`);
    expect(h.posted()).toEqual([]);
  });

  it("offers no rule for a call Claude Code flagged, and posts nothing", async () => {
    const h = harness({ ...PENDING, suppressAlwaysAllowRule: true });
    const r = await h.run("approve", APR, "--always", "--yes");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("asked not to offer an always-allow rule");
    expect(h.posted()).toEqual([]);
  });

  it("a call Claude Code says a person must answer is not approved without --confirm; with it, the decision says so", async () => {
    const flagged = { ...PENDING, requiresUserInteraction: true };
    const h = harness(flagged);
    const r = await h.run("approve", APR);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("never approved in one step");
    expect(r.stderr).toContain(`tower approve ${APR} --confirm`);
    expect(h.posted()).toEqual([]);
    const ok = harness(flagged);
    expect((await ok.run("approve", APR, "--confirm")).code).toBe(0);
    expect(ok.posted()[0]!.body).toEqual({ decision: "approve", confirmed: true, inputSha256: "ab".repeat(32) });
  });

  it("--yes alone, or --always with --input, is a usage error", async () => {
    expect((await harness(PENDING).run("approve", APR, "--yes")).code).toBe(2);
    expect((await harness(PENDING).run("approve", APR, "--always", "--input", '{"command":"ls"}')).code).toBe(2);
  });
});
