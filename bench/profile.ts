/**
 * CPU profiles of the Worker (and its Durable Objects, which share its isolate under wrangler dev)
 * through workerd's inspector, so a slow figure can be traced to the code that costs instead of
 * guessed at. `BENCH_PROFILE=dir npm run bench -- approval` writes one .cpuprofile per profiled
 * part (open it in Chrome DevTools) and prints the functions with the most self time.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import WebSocket from "ws";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One inspector session on the first target wrangler's inspector proxy lists. */
export class WorkerProfiler {
  #nextId = 1;
  #pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.#pending.get(msg.id)?.(msg.result);
    });
  }

  static async attach(inspectorPort: number): Promise<WorkerProfiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
    const target = targets.find((t) => t.webSocketDebuggerUrl);
    if (!target) throw new Error(`no inspector target on 127.0.0.1:${inspectorPort}`);
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const p = new WorkerProfiler(socket);
    await p.#call("Profiler.enable");
    await p.#call("Profiler.setSamplingInterval", { interval: 200 });
    return p;
  }

  #call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.#call("Profiler.start");
  }

  /** Stops sampling, writes `<dir>/<name>.cpuprofile`, and returns the top self-time lines. */
  async stop(dir: string, name: string): Promise<string[]> {
    const { profile } = (await this.#call("Profiler.stop")) as { profile: CpuProfile };
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    return [...topSelfTime(profile, 20), ...topTotalTime(profile, 25)];
  }

  close(): void {
    this.socket.close();
  }
}

const IDLE = new Set(["(idle)", "(program)", "(garbage collector)"]);
const label = (f: CallFrame) => `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;

/** Sums each sample's time into `into` under the keys `keysOf` gives for its node; returns busy time. */
function tally(profile: CpuProfile, keysOf: (node: ProfileNode) => Iterable<string>, into: Map<string, number>): number {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    if (!node || IDLE.has(node.callFrame.functionName)) return;
    const dt = profile.timeDeltas[i] ?? 0;
    for (const key of keysOf(node)) into.set(key, (into.get(key) ?? 0) + dt);
    busy += dt;
  });
  return busy;
}

function rows(title: string, times: Map<string, number>, busy: number, n: number): string[] {
  const top = [...times.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `${title} (busy ${(busy / 1000).toFixed(0)} ms sampled)`,
    ...top.map(([k, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}`),
  ];
}

/** Functions by self time (sampled), with their share of all samples that were not idle. */
export function topSelfTime(profile: CpuProfile, n: number): string[] {
  const self = new Map<string, number>();
  const busy = tally(profile, (node) => [label(node.callFrame)], self);
  return rows("self time", self, busy, n);
}

/** Functions by total time: each sample counts once for every distinct function on its stack. */
export function topTotalTime(profile: CpuProfile, n: number): string[] {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const total = new Map<string, number>();
  const busy = tally(
    profile,
    (node) => {
      const keys = new Set<string>();
      for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) if (at.callFrame.url) keys.add(label(at.callFrame));
      return keys;
    },
    total,
  );
  return rows("total time", total, busy, n);
}
