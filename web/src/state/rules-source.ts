/**
 * The rule editor's client side: checks a rule set's text as it is typed against the server's own
 * schema (worker/protocol/rules.ts), naming the line and column of each error the way the server
 * does (worker/pipelines/yaml.ts, which web/ may not import), and shows a proposed rule as the YAML
 * it becomes ("always allow this"; the server appends it: worker/domain/rules/source.ts).
 */
import { isMap, isNode, LineCounter, parseDocument, stringify, type Document } from "yaml";
import { RuleSet, type RuleInput } from "../../../worker/protocol/rules";

export interface RuleIssue {
  line: number;
  column: number;
  message: string;
}

export type RulesCheck = { ok: true; rules: number } | { ok: false; issues: RuleIssue[] };

/** Same alias budget as the server: a "billion laughs" text is refused, not expanded. */
const MAX_ALIASES = 100;

export function checkRules(text: string): RulesCheck {
  if (!text.trim()) return { ok: false, issues: [{ line: 1, column: 1, message: "The rule set is empty: write `rules: []` for none." }] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return { line: p.line, column: p.col, message: `${e.message.split("\n")[0]} (fix the YAML syntax here)` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    return { ok: false, issues: [{ line: 1, column: 1, message: `${(e as Error).message}: too many alias uses` }] };
  }
  const r = RuleSet.safeParse(value);
  if (r.success) return { ok: true, rules: r.data.rules.length };
  return {
    ok: false,
    issues: r.error.issues.map((i) => {
      const path = i.path as (string | number)[];
      const at = positionOf(doc, lines, path) ?? { line: 1, column: 1 };
      return { ...at, message: `${path.join(".") || "(root)"}: ${i.message}` };
    }),
  };
}

/** The position of the deepest node along `path` (a missing key points at its parent; a map entry at its key). */
function positionOf(doc: Document, lines: LineCounter, path: readonly (string | number)[]): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (!isNode(node) || !node.range) continue;
    const parent = n === 0 ? null : n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const pair = isMap(parent) ? parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === path[n - 1]) : undefined;
    const start = (isNode(pair?.key) ? pair.key.range?.[0] : undefined) ?? node.range[0];
    const { line, col } = lines.linePos(start);
    return { line, column: col };
  }
  return undefined;
}

/** One rule as the YAML list item it becomes in the set, for showing a proposal before it is added. */
export function ruleYaml(rule: RuleInput): string {
  return stringify([rule], { lineWidth: 0 });
}
