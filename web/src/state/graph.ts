/**
 * Lays a pipeline run out for the screen: each step goes in the column after the deepest step it
 * needs, so a graph reads left to right in the order it runs, and the edges between them name which
 * step waits for which. `needs` may name a step or one matrix copy; a name stands for all of its
 * copies. Pure, so it is tested in Node.
 */
export interface GraphStep {
  id: string;
  name: string;
  needs: readonly string[];
}

function refs<S extends GraphStep>(steps: readonly S[]): Map<string, S[]> {
  const byRef = new Map<string, S[]>();
  for (const s of steps) {
    byRef.set(s.id, [s]);
    byRef.set(s.name, [...(byRef.get(s.name) ?? []).filter((x) => x.id !== s.id), s]);
  }
  return byRef;
}

export function columns<S extends GraphStep>(steps: readonly S[]): S[][] {
  const byRef = refs(steps);
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (s: S): number => {
    const known = level.get(s.id);
    if (known !== undefined) return known;
    if (visiting.has(s.id)) return 0; // a cycle never reaches a run; guard anyway
    visiting.add(s.id);
    let d = 0;
    for (const ref of s.needs) for (const up of byRef.get(ref) ?? []) if (up.id !== s.id) d = Math.max(d, depth(up) + 1);
    visiting.delete(s.id);
    level.set(s.id, d);
    return d;
  };
  const cols: S[][] = [];
  for (const s of steps) (cols[depth(s)] ??= []).push(s);
  return cols.filter(Boolean);
}

export interface Edge {
  from: string;
  to: string;
}

/** Every dependency once, in step order; a reference to no step draws nothing. */
export function edges(steps: readonly GraphStep[]): Edge[] {
  const byRef = refs(steps);
  const out: Edge[] = [];
  for (const s of steps) {
    const seen = new Set<string>();
    for (const ref of s.needs)
      for (const up of byRef.get(ref) ?? [])
        if (up.id !== s.id && !seen.has(up.id)) {
          seen.add(up.id);
          out.push({ from: up.id, to: s.id });
        }
  }
  return out;
}
