/**
 * Definitions a caller sends (YAML files, pipeline JSON) are bounded before the Worker does the work
 * they ask for: an alias bomb, a matrix of a million copies and a repeated `needs` all answer 400
 * with the error envelope, never a 500 or a Worker stuck expanding.
 */
import { describe, expect, it } from "vitest";
import { api, memberWith, seedWorkspace } from "./helpers";

/** Nine levels of nine aliases each: 9⁹ values once expanded, a few hundred bytes written. */
const aliasBomb = (() => {
  const names = "abcdefghi".split("");
  const lines = [`${names[0]}: &${names[0]} [x, x, x, x, x, x, x, x, x]`];
  for (let i = 1; i < names.length; i++)
    lines.push(
      `${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n`;
})();

async function badRequest(res: Response): Promise<string> {
  expect(res.status).toBe(400);
  const body = await res.json<{ error: { code: string; message: string } }>();
  expect(body.error.code).toBe("BAD_REQUEST");
  return body.error.message;
}

describe("security: bounded work", () => {
  it("answers an alias bomb with 400 on template import and pipeline validation", async () => {
    const seed = await seedWorkspace();
    expect(
      await badRequest(await api("/api/templates/import", seed.userToken, { method: "POST", json: { yaml: `name: t\nprompt: p\n${aliasBomb}` } })),
    ).toMatch(/alias/i);
    expect(await badRequest(await api("/api/pipelines/validate", seed.userToken, { method: "POST", json: { yaml: `name: p\n${aliasBomb}` } }))).toMatch(
      /alias/i,
    );
  });

  it("refuses a matrix of 10^6 combinations from a viewer without expanding it", async () => {
    const seed = await seedWorkspace();
    const viewer = await memberWith(seed, "viewer");
    const values = Array.from({ length: 100 }, (_, i) => `v${i}`);
    const pipeline = { name: "huge", defaults: { cwd: "/w" }, steps: { s: { prompt: "{{matrix.a}}", matrix: { a: values, b: values, c: values } } } };
    expect(await badRequest(await api("/api/pipelines/validate", viewer.token, { method: "POST", json: { pipeline } }))).toMatch(/more than 500 steps/);
  });

  it("refuses a step that lists the same need twice, naming it", async () => {
    const seed = await seedWorkspace();
    const pipeline = { name: "dup", defaults: { cwd: "/w" }, steps: { a: { prompt: "x" }, b: { prompt: "y", needs: ["a", "a"] } } };
    expect(await badRequest(await api("/api/pipelines/validate", seed.userToken, { method: "POST", json: { pipeline } }))).toMatch(/"a" is listed twice/);
  });
});
