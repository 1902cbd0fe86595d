import { describe, expect, it } from "vitest";
import { afterDelivery, deliverable, pipelineEndKey, retryDelayMs, RETRY_MAX_MS, type OutboxRow } from "../../party/core/outbox";

const row = (id: number, target: OutboxRow["target"], key = `k${id}`): OutboxRow => ({ id, target, key, body: "{}" });

describe("outbox order", () => {
  it("holds a launch and a pipeline report behind a D1 row queued before them, not behind a later one", () => {
    const rows = [row(1, "link"), row(2, "d1"), row(3, "link"), row(4, "pipeline"), row(5, "hub")];
    expect(deliverable(rows, "link").map((r) => r.id)).toEqual([1]);
    expect(deliverable(rows, "pipeline")).toEqual([]);
  });

  it("delivers a target's rows oldest first, and hub rows whatever D1 still holds", () => {
    const rows = [row(9, "link"), row(4, "link"), row(2, "d1"), row(7, "hub"), row(3, "hub")];
    expect(
      deliverable(
        rows.filter((r) => r.target !== "d1"),
        "link",
      ).map((r) => r.id),
    ).toEqual([4, 9]);
    expect(deliverable(rows, "hub").map((r) => r.id)).toEqual([3, 7]);
  });
});

describe("outbox after D1 delivered (one read per flush)", () => {
  it("leaves what was read less the delivered rows, with the hub rows D1's delivery queued, oldest first", () => {
    const read = [row(1, "link"), row(2, "d1"), row(3, "hub", "seal"), row(4, "d1"), row(5, "link")];
    const added = [row(6, "hub", "summary"), row(7, "hub", "seal")];
    const left = afterDelivery(read, [row(2, "d1"), row(4, "d1")], added);
    // The older seal is replaced by the new one (same target and key), as INSERT OR REPLACE did in the table.
    expect(left.map((r) => `${r.id}:${r.target}/${r.key}`)).toEqual(["1:link/k1", "5:link/k5", "6:hub/summary", "7:hub/seal"]);
    // With its D1 rows gone, a launch queued after them may go.
    expect(deliverable(left, "link").map((r) => r.id)).toEqual([1, 5]);
  });

  it("keeps a D1 row it did not deliver, so a launch behind it still waits", () => {
    const left = afterDelivery([row(2, "d1"), row(3, "d1"), row(4, "link")], [row(2, "d1")], []);
    expect(deliverable(left, "link")).toEqual([]);
  });
});

describe("outbox retry", () => {
  it("doubles from a second, with jitter in the upper half", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it("never waits longer than five minutes, however many failures", () => {
    expect(retryDelayMs(50, () => 1)).toBe(RETRY_MAX_MS);
    expect(retryDelayMs(1_000_000, () => 1)).toBe(RETRY_MAX_MS);
  });
});

describe("pipeline end", () => {
  const s = { pipelineRunId: "run_1", status: "completed", endedAt: 10, updatedAt: 10 };
  it("names an end of a pipeline step's session, and a new end after a continue differently", () => {
    expect(pipelineEndKey(s)).toBe("completed@10");
    expect(pipelineEndKey({ ...s, endedAt: 20, updatedAt: 20 })).not.toBe(pipelineEndKey(s));
  });

  it("names nothing for a running session or one outside a pipeline", () => {
    expect(pipelineEndKey({ ...s, status: "running", endedAt: null })).toBeNull();
    expect(pipelineEndKey({ ...s, pipelineRunId: null })).toBeNull();
    expect(pipelineEndKey(null)).toBeNull();
  });
});
