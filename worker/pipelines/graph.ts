/**
 * The step graph: topological order (stable: definition order among equals) and cycle detection
 * that names the cycle ("a → b → c → a"), so a definition error says exactly which `needs:` to cut.
 */

/** The first cycle found, as the steps along it with the first repeated at the end; null when acyclic. */
export function findCycle(needs: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    const s = state.get(n);
    if (s === "done") return null;
    if (s === "open") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "open");
    stack.push(n);
    for (const d of needs.get(n) ?? []) {
      if (!needs.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of needs.keys()) {
    const c = visit(n);
    // Reported in the direction work flows (a runs before b): the reverse of the `needs` walk.
    if (c) return c.reverse();
  }
  return null;
}

/** Steps in an order where every step comes after all it needs (Kahn; ties keep definition order). */
export function topoOrder(needs: ReadonlyMap<string, readonly string[]>): string[] {
  const names = [...needs.keys()];
  const indegree = new Map(names.map((n) => [n, (needs.get(n) ?? []).filter((d) => needs.has(d)).length]));
  const order: string[] = [];
  const ready = names.filter((n) => indegree.get(n) === 0);
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of names) {
      if (!(needs.get(m) ?? []).includes(n)) continue;
      const left = indegree.get(m)! - 1;
      indegree.set(m, left);
      if (left === 0) ready.push(m);
    }
    ready.sort((a, b) => names.indexOf(a) - names.indexOf(b));
  }
  if (order.length !== names.length) throw new Error("topoOrder on a cyclic graph; call findCycle first");
  return order;
}

/** Every step `name` depends on, directly or not. */
export function ancestors(needs: ReadonlyMap<string, readonly string[]>, name: string): Set<string> {
  const out = new Set<string>();
  const walk = (n: string) => {
    for (const d of needs.get(n) ?? []) if (!out.has(d)) out.add(d), walk(d);
  };
  walk(name);
  return out;
}

export const formatCycle = (cycle: readonly string[]) => cycle.join(" → ");
