/**
 * The storage floor of a bench run: what one durable commit costs on this disk. Under wrangler dev a Durable
 * Object's (and local D1's) SQLite commits in WAL mode with a synchronous fsync on workerd's one thread, and the
 * output gate holds every frame sent meanwhile, so each commit on a figure's path costs at least one of these.
 * Measured in the bench's own state directory (the same filesystem), beside the WebSocket echo floor.
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { stats, type Stats } from "./lib";

/** `n` appends of one 4 KiB page, each followed by an fsync, as a WAL commit of one page does. */
export function fsyncFloor(dir: string, n = 200): Stats {
  const path = join(dir, "fsync-floor.probe");
  const page = Buffer.alloc(4096, 1);
  const fd = openSync(path, "a");
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, page);
      const t0 = performance.now();
      fsyncSync(fd);
      samples.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return stats(samples);
}
