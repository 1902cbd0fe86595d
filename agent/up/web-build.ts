/**
 * Makes sure web/dist (the web app wrangler serves as static assets) is built from the current
 * sources before wrangler starts: `npm start` and the end-to-end tests both come through here, so
 * nobody is ever served a stale or missing app. A fresh build is skipped (it takes about a second).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

export function webIsStale(root: string): boolean {
  const built = join(root, "web", "dist", "index.html");
  if (!existsSync(built)) return true;
  const sources = ["web/src", "web/public", "web/index.html", "web/vite.config.ts", "worker/protocol", "worker/client.ts"].map((p) =>
    newestMtime(join(root, p)),
  );
  return Math.max(...sources) > statSync(built).mtimeMs;
}

export function ensureWebBuilt(root: string): void {
  if (!webIsStale(root)) return;
  const vite = join(root, "node_modules", ".bin", "vite");
  const r = spawnSync(vite, ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`Building the web app failed (vite build):\n${r.stderr || r.stdout}`);
}
