/**
 * Every method of the typed client asks a route the Worker serves: each request it sends, as
 * "METHOD /path", matches a key of the route table's permissions (worker/routes/permissions.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createApiClient } from "../../worker/client";

// Read as text: importing permissions.ts would compile the Worker (it derives its keys from AppType).
const keys = [...readFileSync("worker/routes/permissions.ts", "utf8").matchAll(/^ {2}"([A-Z]+ \/[^"]*)":/gm)].map((m) => m[1] ?? "");
const patterns = keys.map((key) => {
  const [method, path] = key.split(" ") as [string, string];
  return { key, method, re: new RegExp(`^${path.replace(/:[A-Za-z]+/g, "[^/]+")}$`) };
});

describe("happy", () => {
  it("sends every client method to a route in the route table", async () => {
    const sent: { name: string; method: string; path: string }[] = [];
    let current = "";
    const client = createApiClient({
      baseUrl: "http://tower.test",
      token: "t",
      fetch: async (input, init) => {
        sent.push({ name: current, method: init?.method ?? "GET", path: new URL(String(input)).pathname });
        return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
      },
    });
    type Method = (...args: unknown[]) => Promise<unknown>;
    const methods = Object.entries(client as Record<string, unknown>).flatMap(([name, v]) => (typeof v === "function" ? [[name, v as Method] as const] : []));
    expect(keys.length).toBeGreaterThan(60);
    expect(methods.length).toBeGreaterThan(50);
    for (const [name, fn] of methods) {
      current = name;
      await fn("id_1", "id_2").catch(() => undefined); // "{}" fails most response schemas; only the request matters here
    }
    const sessionDecide = sent.length;
    current = "decide (by session)";
    await client.decide("apr_1", { decision: "deny", comment: "no", inputSha256: "0".repeat(64) }, "ses_1").catch(() => undefined);
    expect(sent.length).toBe(sessionDecide + 1);

    expect(new Set(sent.map((s) => s.name)).size).toBe(methods.length + 1);
    const unrouted = sent.filter((s) => !patterns.some((p) => p.method === s.method && p.re.test(s.path)));
    expect(unrouted).toEqual([]);
  });
});
