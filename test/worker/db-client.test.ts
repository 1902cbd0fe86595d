import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../worker/db/client";

describe("makeDb", () => {
  it("gives one client per D1 binding, so the schema is walked once, not per request", () => {
    expect(makeDb(env.DB)).toBe(makeDb(env.DB));
  });

  it("and that one client answers queries", async () => {
    makeDb(env.DB);
    expect(await makeDb(env.DB).all<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
