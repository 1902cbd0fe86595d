/** The rule editor's client-side check and the server's "always allow" append, on real YAML and JSON texts. */
import { describe, expect, it } from "vitest";
import { checkRules } from "../../web/src/state/rules-source";
import { appendRule } from "../../worker/domain/rules/source";
import { RuleSet } from "../../worker/protocol/rules";
import { parseYaml } from "../../worker/pipelines/yaml";

describe("checkRules", () => {
  it("accepts a valid set and counts its rules", () => {
    expect(checkRules("rules:\n  - decision: allow\n    tool: Read\n")).toEqual({ ok: true, rules: 1 });
    expect(checkRules('{"rules": []}')).toEqual({ ok: true, rules: 0 });
  });

  it("names the line and column of a YAML syntax error", () => {
    const r = checkRules("rules:\n  - decision: allow\n    tool: [Read\n");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(!r.ok && r.issues[0]!.message).toMatch(/YAML syntax/);
  });

  it("names the line and column of a schema error, where the server does", () => {
    const text = "# comment\nrules:\n  - decision: allow\n    tool: Read\n  - decision: deny\n    tool: Bash\n  - decision: maybe\n";
    const r = checkRules(text);
    const server = parseYaml(text, RuleSet);
    expect(r.ok || server.ok).toBe(false);
    if (r.ok || server.ok) return;
    // The deny without a message points at the second rule (line 5), the bad decision at line 7, column 5.
    expect(r.issues.map((i) => [i.line, i.column])).toEqual(server.issues.map((i) => [i.line, i.column]));
    expect(r.issues).toContainEqual(expect.objectContaining({ line: 7, column: 5, message: expect.stringMatching(/^rules\.2\.decision:/) }));
    expect(r.issues.some((i) => i.line === 5 && /message/.test(i.message))).toBe(true);
  });

  it("refuses an empty text and a duplicate key", () => {
    expect(checkRules("  ").ok).toBe(false);
    const r = checkRules("rules: []\nrules: []\n");
    expect(!r.ok && r.issues[0]!.line).toBe(2);
  });
});

describe("appendRule", () => {
  const rule = { id: "always-bash-x", decision: "allow" as const, tool: "Bash", command: "npm test", scope: { directory: "/repo" } };

  it("appends to a YAML set and keeps its comments", () => {
    const out = appendRule("# team rules\nrules:\n  - decision: allow # reads are fine\n    tool: Read\n", rule);
    expect(out).toContain("# team rules");
    expect(out).toContain("# reads are fine");
    const r = parseYaml(out, RuleSet);
    expect(r.ok && r.value.rules.map((x) => x.id ?? null)).toEqual([null, "always-bash-x"]);
  });

  it("starts a set from nothing, from `rules: []` and from JSON", () => {
    for (const src of ["", "rules: []\n", '{"rules": []}', '{"rules": [{"decision": "allow", "tool": "Read"}]}']) {
      const r = parseYaml(appendRule(src, rule), RuleSet);
      expect(r.ok && r.value.rules.at(-1)).toMatchObject({ id: "always-bash-x", command: ["npm test"] });
    }
  });

  it("refuses a text that does not parse rather than overwrite it", () => {
    expect(() => appendRule("rules: [\n", rule)).toThrow(/does not parse/);
  });
});
