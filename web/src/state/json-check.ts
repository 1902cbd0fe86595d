/**
 * Checks the JSON a person types into "Edit input…" as they type: the first error with its line and
 * column (engines word and place JSON.parse errors differently, so this scanner finds it itself),
 * or the object to approve with. Pure and linear in the text.
 */
import type { ToolInput } from "../../../worker/protocol/approval";

export type JsonCheck = { ok: true; value: ToolInput } | { ok: false; message: string; line: number; column: number };

/** Deeper than this the editor refuses (a tool input never nests so far; it keeps the scanner's stack small). */
const MAX_DEPTH = 200;

class Stop extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scan(text: string): void {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const what = () => (i >= text.length ? "the end of the text" : `'${text[i]}'`);
  const expect = (c: string, wanted: string) => {
    if (text[i] !== c) throw new Stop(i, `expected ${wanted}, found ${what()}`);
    i++;
  };
  const string = () => {
    expect('"', "'\"'");
    for (;;) {
      if (i >= text.length) throw new Stop(i, "this string is not closed (a '\"' is missing)");
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c === "\n" || c === "\r") throw new Stop(i, "a line break inside a string must be written \\n");
      if (c < " ") throw new Stop(i, "a control character (such as a tab) inside a string must be escaped (\\t)");
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, 'a backslash must start an escape such as \\n, \\" or \\u00e9');
      } else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) throw new Stop(i, `nested more than ${MAX_DEPTH} levels deep`);
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop(i, `expected a property name in double quotes, found ${what()}`);
        string();
        ws();
        expect(":", "':' after the property name");
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          if (text[i] === "}") throw new Stop(i, "a trailing comma is not allowed in JSON");
          continue;
        }
        return expect("}", "',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          if (text[i] === "]") throw new Stop(i, "a trailing comma is not allowed in JSON");
          continue;
        }
        return expect("]", "',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const word of ["true", "false", "null"]) if (text.startsWith(word, i)) return void (i += word.length);
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    throw new Stop(i, `expected a value, found ${what()}`);
  };
  value(0);
  ws();
  if (i < text.length) throw new Stop(i, `unexpected ${what()} after the end of the JSON`);
}

function position(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = 0; k < at && k < text.length; k++) if (text[k] === "\n") line++, (start = k + 1);
  return { line, column: at - start + 1 };
}

/** The tool input in `text`, or the first error and where it is (1-based line and column). */
export function checkToolInput(text: string): JsonCheck {
  try {
    scan(text);
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { ok: false, message: e.message, ...position(text, e.at) };
  }
  const value = JSON.parse(text) as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: "the tool input must be a JSON object ({ … })", ...position(text, text.search(/\S/)) };
  }
  return { ok: true, value: value as ToolInput };
}
