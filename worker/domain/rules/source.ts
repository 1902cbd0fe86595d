/**
 * Edits of a rule set's text that keep what people wrote: "always allow this" appends one rule to the
 * workspace's YAML (or JSON) without losing the comments and layout around it. Pure (the `yaml`
 * package only); the always-allow route calls it, so the web and the CLI add a rule the same way.
 */
import { isMap, isSeq, parseDocument } from "yaml";
import type { RuleInput } from "../../protocol/rules";

/**
 * `source` with `rule` appended to its `rules` list, comments and layout kept (a JSON text stays
 * JSON-compatible flow style). An empty or rule-less text becomes a fresh set.
 */
export function appendRule(source: string, rule: RuleInput): string {
  const doc = source.trim() ? parseDocument(source) : parseDocument("rules: []\n");
  if (doc.errors.length) throw new Error("The current rule set does not parse; fix it in the rule editor first.");
  if (!isMap(doc.contents)) return appendRule("rules: []\n", rule);
  const list = doc.get("rules", true);
  if (isSeq(list)) {
    const node = doc.createNode(rule);
    if (list.flow && list.items.length === 0 && !doc.contents.flow) list.flow = false;
    list.items.push(node);
  } else doc.set("rules", doc.createNode([rule]));
  return doc.toString({ lineWidth: 0 });
}
