/**
 * YAML files (templates and pipelines) parsed with their positions, so every error names a line and
 * column: syntax errors from the parser, schema errors (zod issue paths) mapped back to the node they
 * point at. Pure (the `yaml` package only); runs in the Worker and the CLI.
 */
import { isMap, isNode, LineCounter, parseDocument, stringify, type Document } from "yaml";
import type { z } from "zod";

/** Alias uses resolved per document; ordinary files use a handful, an expansion bomb needs thousands. */
const MAX_ALIASES = 100;

export interface SourceIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type Parsed<T> =
  | { ok: true; value: T; at: (path: readonly (string | number)[]) => { line: number; column: number } | undefined }
  | { ok: false; issues: SourceIssue[] };

/** "line 3, column 5: …", the way every YAML error is shown. */
export function formatIssue(i: SourceIssue): string {
  const where = i.line !== undefined ? `line ${i.line}, column ${i.column ?? 1}: ` : "";
  return `${where}${i.path && i.path !== "(root)" ? `${i.path}: ` : ""}${i.message}`;
}

/** Parses `text` and checks it against `schema`; on failure, issues carry line and column. */
export function parseYaml<S extends z.ZodType>(text: string, schema: S): Parsed<z.output<S>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: "", message: `${e.message.split("\n")[0]} (fix the YAML syntax here)`, line: pos.line, column: pos.col };
      }),
    };
  }
  const at = (path: readonly (string | number)[]) => positionOf(doc, lines, path);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // The `yaml` package throws (a ReferenceError) when aliases would expand past the count: a "billion laughs" file.
    return {
      ok: false,
      issues: [
        { path: "", message: `${(e as Error).message}: the file repeats anchors (*name) too often; write the values out (at most ${MAX_ALIASES} alias uses)` },
      ],
    };
  }
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data, at };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message, ...at(i.path as (string | number)[]) })),
  };
}

/** The position of the deepest node that exists along `path` (a missing key points at its parent). */
function positionOf(doc: Document, lines: LineCounter, path: readonly (string | number)[]): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      // For a map entry, point at its key rather than its value when the value is a block.
      const key = n > 0 && isMap(n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true)) ? keyRange(doc, path.slice(0, n)) : undefined;
      const { line, col } = lines.linePos(key ?? node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}

function keyRange(doc: Document, path: readonly (string | number)[]): number | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === path.at(-1));
  return isNode(pair?.key) ? pair.key.range?.[0] : undefined;
}

/** Serializes a value as YAML (block style, long strings folded as literal blocks). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, blockQuote: "literal" });
}
