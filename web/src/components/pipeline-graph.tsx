/**
 * A pipeline run's graph: steps in columns (state/graph.ts) with the dependency edges drawn over them
 * in SVG. The edges are measured from the laid-out boxes, so they follow whatever CSS does: left to
 * right on a wide screen, and down a gutter on the left when a phone stacks the columns.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { columns, edges, type GraphStep } from "../state/graph";

interface Drawn {
  key: string;
  d: string;
}

const GUTTER = 12;

function pathBetween(a: DOMRect, b: DOMRect, origin: { x: number; y: number }): string {
  const ax = a.left - origin.x;
  const ay = a.top - origin.y;
  const bx = b.left - origin.x;
  const by = b.top - origin.y;
  if (bx >= ax + a.width - 1) {
    // Side by side: from the right edge of the step needed to the left edge of the one that waits.
    const [x1, y1, x2, y2] = [ax + a.width, ay + a.height / 2, bx, by + b.height / 2];
    const mid = (x2 - x1) / 2;
    return `M ${x1} ${y1} C ${x1 + mid} ${y1}, ${x2 - mid} ${y2}, ${x2} ${y2}`;
  }
  // Stacked: out of the left edge, down the gutter, back into the next box.
  const [x1, y1, x2, y2] = [ax, ay + a.height / 2, bx, by + b.height / 2];
  return `M ${x1} ${y1} C ${x1 - GUTTER} ${y1}, ${x2 - GUTTER} ${y2}, ${x2} ${y2}`;
}

export function PipelineGraph<S extends GraphStep>({ steps, renderStep }: { steps: readonly S[]; renderStep(s: S): ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [drawn, setDrawn] = useState<{ paths: Drawn[]; width: number; height: number }>({ paths: [], width: 0, height: 0 });
  const links = edges(steps);
  const signature = links.map((e) => `${e.from}>${e.to}`).join(",");

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      const origin = { x: r.left - el.scrollLeft, y: r.top - el.scrollTop };
      const at = (id: string) => el.querySelector(`[data-step="${CSS.escape(id)}"]`)?.getBoundingClientRect();
      const paths: Drawn[] = [];
      for (const e of links) {
        const a = at(e.from);
        const b = at(e.to);
        if (a && b) paths.push({ key: `${e.from}→${e.to}`, d: pathBetween(a, b, origin) });
      }
      const next = { paths, width: el.scrollWidth, height: el.scrollHeight };
      setDrawn((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    };
    measure();
    const watch = new ResizeObserver(measure);
    watch.observe(el);
    for (const child of el.querySelectorAll("[data-step]")) watch.observe(child);
    return () => watch.disconnect();
  }, [signature, steps]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="graph" ref={box}>
      <svg className="edges" width={drawn.width} height={drawn.height} aria-hidden="true" focusable="false">
        <defs>
          <marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L8,4 L0,8 z" />
          </marker>
        </defs>
        {drawn.paths.map((p) => (
          <path key={p.key} data-edge={p.key} d={p.d} markerEnd="url(#arrow)" />
        ))}
      </svg>
      <div className="graph-columns" role="list" aria-label="Steps in order">
        {columns(steps).map((col, i) => (
          <div className="column" role="listitem" key={i}>
            {col.map((s) => renderStep(s))}
          </div>
        ))}
      </div>
    </div>
  );
}
