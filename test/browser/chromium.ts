/**
 * Finds the Chromium the browser tests drive: CHROME_PATH, else Debian's `chromium`; when neither is
 * there and we run as root on Debian, installs it with apt-get. Otherwise it fails with a message
 * saying how to install it — the browser tests never skip silently.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];
const HOW =
  "The browser tests need Chromium. Install Debian's package (sudo apt-get install -y chromium) or set CHROME_PATH to a Chrome or Chromium executable.";

function found(): string | null {
  const env = process.env.CHROME_PATH;
  if (env) {
    if (!existsSync(env)) throw new Error(`CHROME_PATH is ${env}, but there is no file there. ${HOW}`);
    return env;
  }
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function apt(args: string[]): boolean {
  const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 15 * 60_000 });
  return r.status === 0;
}

export function findChromium(opts: { install: boolean } = { install: false }): string {
  const path = found();
  if (path) return path;
  const canInstall = opts.install && process.getuid?.() === 0 && existsSync("/etc/debian_version");
  if (!canInstall) throw new Error(`Chromium was not found. ${HOW}`);
  console.log("Chromium is missing: installing Debian's chromium with apt-get…");
  // A fresh container often has no package lists yet: update once, then install.
  if (!apt(["install", "-y", "--no-install-recommends", "chromium"])) {
    if (!apt(["update"]) || !apt(["install", "-y", "--no-install-recommends", "chromium"])) {
      throw new Error(`apt-get could not install chromium. ${HOW}`);
    }
  }
  const after = found();
  if (!after) throw new Error(`apt-get finished but no chromium executable appeared. ${HOW}`);
  return after;
}
