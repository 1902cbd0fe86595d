import { describe, expect, it } from "vitest";
import { checkToolInput } from "../../web/src/state/json-check";

describe("Edit input…: JSON checked as it is typed", () => {
  it("accepts a tool input object and returns it", () => {
    const text = '{\n  "file_path": "/tmp/a.txt",\n  "content": "hi\\n\\u00e9",\n  "n": -1.5e3,\n  "ok": [true, false, null, {}]\n}';
    expect(checkToolInput(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}'"],
    ['{\n  "a": 1,\n}', 3, 1, "trailing comma"],
    ["{\n  a: 1\n}", 2, 3, "property name in double quotes"],
    ['{"a": "unclosed}', 1, 17, "not closed"],
    ['{"a": tru}', 1, 7, "expected a value"],
    ['{"a": 1} x', 1, 10, "after the end"],
    ["", 1, 1, "expected a value"],
    ['{"a": "line\nbreak"}', 1, 12, "line break inside a string"],
  ])("reports %j at line %i, column %i", (text, line, column, words) => {
    const r = checkToolInput(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect({ line: r.line, column: r.column }).toEqual({ line, column });
    expect(r.message).toContain(words);
  });

  it("refuses valid JSON that is not an object", () => {
    expect(checkToolInput("  [1, 2]")).toMatchObject({ ok: false, line: 1, column: 3, message: expect.stringContaining("must be a JSON object") });
  });

  it("agrees with JSON.parse on what is valid", () => {
    for (const t of ['{"a":1}', '{"a":01}', '{"a":1.}', '{"a":"\\x"}', '{"a":[1,]}', '{"a":"\t"}', '{"a":.5}', '{"a":1e5}']) {
      let parses = true;
      try {
        JSON.parse(t);
      } catch {
        parses = false;
      }
      expect(checkToolInput(t).ok, t).toBe(parses);
    }
  });
});
