/**
 * Lays a pipeline run out for the screen: each step goes in the column after the deepest step it
 * needs, so a graph reads left to right in the order it runs. `needs` may name a step or one
 * matrix copy; a name stands for all of its copies. Pure, so it is tested in Node.
 */
export interface GraphStep {
  id: string;
  name: string;
  needs: readonly string[];
}

export function columns<S extends GraphStep>(steps: readonly S[]): S[][] {
  const byRef = new Map<string, S[]>();
  for (const s of steps) {
    byRef.set(s.id, [s]);
    byRef.set(s.name, [...(byRef.get(s.name) ?? []).filter((x) => x.id !== s.id), s]);
  }
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
