import { describe, expect, it } from "vitest";
import { approvalTiming, span } from "../../web/src/state/approval-timing";

const NOW = 1_800_000_000_000;

describe("approval card timing", () => {
  it("says how long a request has waited and how long it has left", () => {
    expect(approvalTiming({ createdAt: NOW - 5 * 60_000, expiresAt: NOW + 12 * 60_000 }, NOW)).toEqual({
      asked: "asked 5m ago",
      expiry: "expires in 12m",
      urgent: false,
    });
  });

  it("marks an expiry under two minutes away as urgent, and one past as expired", () => {
    expect(approvalTiming({ createdAt: NOW - 1000, expiresAt: NOW + 90_000 }, NOW)).toMatchObject({ expiry: "expires in 1m", urgent: true });
    expect(approvalTiming({ createdAt: NOW - 3_600_000, expiresAt: NOW - 120_000 }, NOW)).toMatchObject({ expiry: "expired 2m ago", urgent: true });
  });

  it("writes durations as people say them", () => {
    expect([span(40_000), span(5 * 60_000), span(125 * 60_000), span(2 * 3_600_000), span(3 * 86_400_000)]).toEqual(["40s", "5m", "2h 5m", "2h", "3d"]);
  });
});
