/**
 * The small matchers rules are built from: word globs (tool names, command words, hosts) and path
 * globs resolved lexically against the session's cwd. Lexical on purpose: the Worker never sees the
 * machine's file system, so `..` is folded by rule and symlinks are not followed (a rule about
 * `/repo/**` says nothing about where a link inside it points). Compiled once per rule set.
 */
import picomatch from "picomatch/posix";

/** A glob over one word: `*` any run of characters (including `/`), `?` one character; all else literal. */
export function wordGlob(glob: string): (word: string) => boolean {
  if (!/[*?]/.test(glob)) return (w) => w === glob;
  if (glob === "*") return () => true;
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  const re = new RegExp(`^${source}$`);
  return (w) => re.test(w);
}

/** Folds `.`, `..` and repeated slashes of an absolute path; `..` above the root stays at the root. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/**
 * The absolute, normalised form of a path a tool names: relative paths are taken from `cwd`, `~` from
 * `home` when the machine's home is known (else the path stays under a literal `~`, which only `~/`
 * patterns match).
 */
export function resolvePath(path: string, cwd: string, home: string | null): string {
  if (path === "~" || path.startsWith("~/")) return home ? normalizePath(`${home}/${path.slice(1)}`) : `~${normalizePath(path.slice(1))}`;
  return normalizePath(path.startsWith("/") ? path : `${cwd}/${path}`);
}

/** Is `path` (absolute, normalised) inside the tree `dir` (absolute, normalised), or `dir` itself? */
export function isInside(path: string, dir: string): boolean {
  if (dir === "/" || path === dir) return true;
  return path.length > dir.length && path.charCodeAt(dir.length) === 47 && path.startsWith(dir);
}

export interface PathContext {
  cwd: string;
  home: string | null;
}

/** Where `~/` points when the machine's home is not known: every usual home, so a deny on `~/.ssh/**` holds anywhere. */
const HOMES = ["~", "/root", "/home/*", "/Users/*"];

/**
 * A path glob as a rule writes it, against a resolved path:
 * - no `/` (`.env*`, `*.pem`): the file's own name, in any directory;
 * - `~/…`: under the machine's home;
 * - `/…`: absolute; anything else is relative to the session's cwd (the project), and matches only inside it.
 * `**` crosses directories and `*` does not; dotfiles match (`src/**` covers `src/.env`).
 */
export function pathGlob(glob: string): (path: string, ctx: PathContext) => boolean {
  const opts = { dot: true } as const;
  // A bare RegExp behind a literal-prefix check: picomatch's matcher functions build a result object
  // per test, and most globs of a big rule set fail on their first characters.
  const re = (g: string) => {
    const m = picomatch.makeRe(g, opts);
    const base = g.includes("/") ? picomatch.scan(g).base : (/^[^*?[\]{}()!+@\\]*/.exec(g)?.[0] ?? "");
    return base && !base.includes("\\") ? { test: (s: string) => s.startsWith(base) && m.test(s) } : m;
  };
  if (!glob.includes("/")) {
    const m = re(glob);
    return (path) => m.test(path.slice(path.lastIndexOf("/") + 1));
  }
  if (glob.startsWith("~/")) {
    const rest = glob.slice(1);
    const unknownHome = HOMES.map((h) => re(`${h}${rest}`));
    const known = new Map<string, { test: (s: string) => boolean }>();
    return (path, ctx) => {
      if (unknownHome.some((m) => m.test(path))) return true;
      if (!ctx.home) return false;
      let m = known.get(ctx.home);
      if (!m) {
        if (known.size > 64) known.clear();
        m = re(`${normalizePath(ctx.home)}${rest}`);
        known.set(ctx.home, m);
      }
      return m.test(path);
    };
  }
  if (glob.startsWith("/")) {
    const m = re(glob);
    return (path) => m.test(path);
  }
  // Relative to the cwd: matched against the path's part under the cwd, so one compiled glob serves every session.
  const m = re(glob.replace(/^\.\//, ""));
  return (path, ctx) => {
    if (ctx.cwd === "/") return path !== "/" && m.test(path.slice(1));
    return path.length > ctx.cwd.length + 1 && path.charCodeAt(ctx.cwd.length) === 47 && path.startsWith(ctx.cwd) && m.test(path.slice(ctx.cwd.length + 1));
  };
}

/** The host of a URL a tool fetches, lowercased; null when it is not an http(s) URL. */
export function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.hostname.toLowerCase() : null;
  } catch {
    return null;
  }
}
