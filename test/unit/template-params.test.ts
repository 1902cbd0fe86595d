import { describe, expect, it } from "vitest";
import { checkRecipe, placeholders, renderRecipe, resolveParams } from "../../worker/domain/template-params";
import { parseYaml, formatIssue } from "../../worker/pipelines/yaml";
import { TemplateFile, TemplateParam, TemplateRecipe, type ParamValues } from "../../worker/protocol/templates";

const P = (p: Record<string, unknown>) => TemplateParam.parse(p);
const decl = [
  P({ name: "test", type: "string" }),
  P({ name: "tries", type: "number", default: 3 }),
  P({ name: "strict", type: "boolean", default: false }),
  P({ name: "level", type: "enum", values: ["low", "high"], default: "low" }),
  P({ name: "note", required: false }),
];

describe("happy", () => {
  it.each<[string, ParamValues, ParamValues]>([
    ["applies defaults", { test: "a.spec.ts" }, { test: "a.spec.ts", tries: 3, strict: false, level: "low" }],
    ["coerces CLI strings by type", { test: "x", tries: "5", strict: "true", level: "high" }, { test: "x", tries: 5, strict: true, level: "high" }],
    ["keeps typed JSON values", { test: "x", tries: 2.5, strict: true }, { test: "x", tries: 2.5, strict: true, level: "low" }],
    ["takes an optional one when given", { test: "x", note: "hi" }, { test: "x", tries: 3, strict: false, level: "low", note: "hi" }],
  ])("resolves params: %s", (_, given, want) => {
    expect(resolveParams(decl, given)).toEqual({ ok: true, values: want });
  });

  it("finds placeholders, dotted and indexed ones included", () => {
    expect(placeholders("Fix {{ test }} then {{steps.build.result}} and {{steps.t[1].cost}} {{test}}")).toEqual([
      "test",
      "steps.build.result",
      "steps.t[1].cost",
    ]);
  });

  it("renders a recipe into a launch spec", () => {
    const recipe = TemplateRecipe.parse({
      prompt: "Fix {{test}} ({{tries}} tries)",
      params: [{ name: "test" }, { name: "tries", type: "number", default: 3 }],
      model: "m",
      cwd: "/w",
      selector: { labels: ["gpu"] },
    });
    expect(renderRecipe(recipe, { test: "a", tries: 3 })).toEqual({ ok: true, spec: { prompt: "Fix a (3 tries)", cwd: "/w", model: "m" } });
    expect(renderRecipe(recipe, { test: "a", tries: 3 }, { cwd: "/other" })).toMatchObject({ ok: true, spec: { cwd: "/other" } });
  });

  it("parses a template file with its fields flat", () => {
    const r = parseYaml("name: fix-flaky\nprompt: Fix {{test}}\nparams:\n  - name: test\ncwd: /w\n", TemplateFile);
    expect(r.ok && r.value).toMatchObject({ name: "fix-flaky", prompt: "Fix {{test}}", params: [{ name: "test", type: "string" }] });
  });
});

describe("errors", () => {
  it.each<[string, ParamValues, RegExp]>([
    ["names an unknown parameter and lists the known ones", { test: "x", tset: "y" }, /unknown parameter "tset": it takes test, tries, strict, level, note/],
    ["names a missing required parameter and how to give it", {}, /missing required parameter "test"; give --param test=…/],
    ["refuses a number that is not one", { test: "x", tries: "many" }, /"tries" must be a number, got "many"/],
    ["refuses a boolean that is not one", { test: "x", strict: "yes" }, /"strict" must be true or false/],
    ["refuses a value not allowed", { test: "x", level: "mid" }, /"level" must be one of "low", "high"; got "mid"/],
  ])("%s", (_, given, message) => {
    const r = resolveParams(decl, given);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.message).join("\n")).toMatch(message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an undeclared placeholder", { prompt: "Fix {{test}}", params: [] }, /\{\{test\}\} is used but not declared/],
    ["a parameter declared twice", { prompt: "x", params: [{ name: "a" }, { name: "a" }] }, /declared twice/],
    ["a default of the wrong type", { prompt: "x", params: [{ name: "n", type: "number", default: "lots" }] }, /default: "n" must be a number/],
  ])("checkRecipe reports %s", (_, recipe, message) => {
    expect(
      checkRecipe(TemplateRecipe.parse(recipe))
        .map((i) => i.message)
        .join("\n"),
    ).toMatch(message);
  });

  it("an enum without values is refused by the schema", () => {
    expect(TemplateParam.safeParse({ name: "e", type: "enum" }).success).toBe(false);
  });

  it("renderRecipe needs a working directory from somewhere", () => {
    const r = renderRecipe(TemplateRecipe.parse({ prompt: "x" }), {});
    expect(r).toEqual({ ok: false, issues: [expect.objectContaining({ path: "cwd" })] });
  });

  it.each<[string, string, RegExp]>([
    ["malformed YAML, with line and column", "name: a\nprompt: [unclosed\ncwd: /w\n", /^line \d+, column \d+: /],
    ["a mistyped field, at its line", "name: a\nprompt: p\nmaxTurns: lots\n", /^line 3, column 1: maxTurns: /],
    ["an unknown field, at its parent", "name: a\nprompt: p\nmodle: x\n", /^line 1, column 1: .*modle/],
    ["a bad parameter type, at the parameter", "name: a\nprompt: p\nparams:\n  - name: x\n    type: text\n", /^line 5, column 5: params\.0\.type: /],
  ])("a template file reports %s", (_, text, message) => {
    const r = parseYaml(text, TemplateFile);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatIssue(r.issues[0]!)).toMatch(message);
  });
});
