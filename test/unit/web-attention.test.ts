import { describe, expect, it } from "vitest";
import { faviconHref, newlyWaiting, tabTitle, waitingCount } from "../../web/src/state/attention";
import type { Approval } from "../../worker/protocol/approval";

const NOW = 1_800_000_000_000;
const approval = (id: string, over: Partial<Approval> = {}): Approval => ({
  id: `apr_${id.padEnd(20, "0")}` as Approval["id"],
  sessionId: "ses_00000000000000000000" as Approval["sessionId"],
  toolName: "Write",
  toolUseId: null,
  input: {},
  inputSha256: "0".repeat(64),
  status: "pending",
  createdAt: NOW - 1000,
  expiresAt: NOW + 60_000,
  decidedAt: null,
  decidedBy: null,
  via: null,
  comment: null,
  updatedInput: null,
  ...over,
});

describe("tab title and favicon for waiting approvals", () => {
  it("counts the pending approvals that have not expired", () => {
    const list = [approval("a"), approval("b"), approval("c", { status: "approved" }), approval("d", { expiresAt: NOW - 1 })];
    expect(waitingCount(list, NOW)).toBe(2);
  });

  it("puts the count first in the title, capped at 99+, and leaves the title alone at zero", () => {
    expect(tabTitle("Tower", 0)).toBe("Tower");
    expect(tabTitle("Tower", 3)).toBe("(3) Tower");
    expect(tabTitle("Tower", 120)).toBe("(99+) Tower");
  });

  it("shows the plain icon at zero and a badge holding the count otherwise", () => {
    expect(faviconHref(0)).toBe("/icon.svg");
    const svg = decodeURIComponent(faviconHref(7).replace("data:image/svg+xml,", ""));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain(">7</text>");
    expect(decodeURIComponent(faviconHref(250))).toContain(">99+</text>");
  });
});

describe("in-page notice of a new waiting call", () => {
  it("announces a call the page did not hold, once; not a decision, not a repeat", () => {
    const a = approval("new");
    expect(newlyWaiting({ type: "approval-upsert", approval: a }, new Map())).toEqual(a);
    expect(newlyWaiting({ type: "approval-upsert", approval: a }, new Map([[a.id, a]]))).toBeNull();
    expect(newlyWaiting({ type: "approval-upsert", approval: { ...a, status: "approved" } }, new Map())).toBeNull();
    expect(newlyWaiting({ type: "hello", approvals: [a], agents: [] }, new Map())).toBeNull();
  });
});
