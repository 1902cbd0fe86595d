/**
 * The rule engine: a workspace's rule set, compiled once, decides `allow`, `deny` or `ask` for a tool
 * call before a person is asked. A call is split into the parts it would do (a Bash command's commands,
 * writes and reads; see bash.ts) and is allowed only when every part is. Pure; the room calls it on
 * each approval request, the rules routes for test and replay.
 *
 * Precedence, for each part: deny over ask over allow. Among matching rules of the same decision the
 * most specific scope names the verdict: directory (the deeper tree first) > template > pipeline >
 * machine > workspace, then the earlier rule in the file. Across parts: any deny denies the call; any
 * part that asks, or that no rule allows, asks a person; otherwise the call is allowed.
 */
import { durationMs, type Rule, type RuleDecision, type RuleRef, type RouteSpec, type RuleSet, type RuleVerdict } from "../../protocol/rules";
import { analyzeBash, type BashWord } from "./bash";
import { hostOf, isInside, normalizePath, pathGlob, resolvePath, wordGlob, type PathContext } from "./match";

/** What the room knows about a call and its session when Claude asks. */
export interface CallContext {
  toolName: string;
  input: Record<string, unknown>;
  cwd: string;
  home?: string | null;
  /** The machine's id and name (a scope may name either). */
  machine?: readonly string[];
  /** The template the session was launched from: its id, and its name where known. */
  template?: readonly string[];
  /** The pipeline run the session is a step of: its id, and its name where known. */
  pipeline?: readonly string[];
  /** The SDK says a person must answer this ask on the card itself: no rule may allow it. */
  requiresUserInteraction?: boolean;
}

/** One thing a call would do, as rules see it. */
type Part =
  | { kind: "call"; tool: string; path: string | null; host: string | null; text: string }
  | { kind: "command"; words: BashWord[]; hasAssignments: boolean; text: string }
  | { kind: "unknown"; tool: string; text: string; why: string };

interface Compiled {
  index: number;
  rule: Rule;
  rank: number;
  tool: ((name: string) => boolean) | null;
  command: ((words: BashWord[], forAllow: boolean) => boolean) | null;
  path: ((path: string, ctx: PathContext) => boolean) | null;
  host: ((host: string) => boolean) | null;
  inScope: (ctx: CallContext, cwd: string) => boolean;
}

export interface CompiledRules {
  version: number | null;
  rules: Compiled[];
  /**
   * The rules whose tool matcher admits a tool name, by name (most rules name a tool, so a call scans
   * few), in precedence order: deny, ask, allow, each from the most specific scope; the first that
   * matches a part is its verdict.
   */
  byTool: Map<string, Compiled[]>;
}

const MAX_TOOLS_CACHED = 512;

function rulesFor(rules: CompiledRules, tool: string): Compiled[] {
  let hit = rules.byTool.get(tool);
  if (!hit) {
    hit = rules.rules.filter((r) => !r.tool || r.tool(tool)).sort((a, b) => (better(a, b) ? -1 : 1));
    if (rules.byTool.size >= MAX_TOOLS_CACHED) rules.byTool.clear();
    rules.byTool.set(tool, hit);
  }
  return hit;
}

const DECISION_RANK: Record<RuleDecision, number> = { deny: 3, ask: 2, allow: 1 };

const anyOf =
  <T>(fs: ((x: T) => boolean)[]) =>
  (x: T) =>
    fs.some((f) => f(x));

/** Splits a command pattern into words; quotes keep spaces inside one word. */
function patternWords(pattern: string): string[] {
  return [...pattern.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/**
 * A command pattern, word by word. A final `*` word stands for any further words (none included). A
 * word whose value is only known at run time (`$X`, `$(…)`) matches an allow pattern only where it says
 * `*` (any word); for deny and ask it matches any pattern word, so doubt leans toward asking.
 */
function commandMatcher(pattern: string): (words: BashWord[], forAllow: boolean) => boolean {
  const tokens = patternWords(pattern);
  const globs = tokens.map(wordGlob);
  const restAny = tokens.at(-1) === "*";
  const fixed = restAny ? tokens.length - 1 : tokens.length;
  return (words, forAllow) => {
    if (words.length < fixed || (!restAny && words.length !== fixed)) return false;
    for (let i = 0; i < fixed; i++) {
      const w = words[i]!;
      if (w.isStatic ? !globs[i]!(w.text) : forAllow && tokens[i] !== "*") return false;
    }
    return true;
  };
}

function scopeOf(rule: Rule): { rank: number; inScope: Compiled["inScope"] } {
  const s = rule.scope ?? {};
  if (s.directory) {
    const dir = s.directory;
    const depth = dir.split("/").filter(Boolean).length;
    const fixed = dir.startsWith("~") ? null : normalizePath(dir);
    return { rank: 4 + Math.min(depth, 999) / 1000, inScope: (ctx, cwd) => isInside(cwd, fixed ?? resolvePath(dir, "/", ctx.home ?? null)) };
  }
  if (s.template) return { rank: 3, inScope: (ctx) => ctx.template?.includes(s.template!) ?? false };
  if (s.pipeline) return { rank: 2, inScope: (ctx) => ctx.pipeline?.includes(s.pipeline!) ?? false };
  if (s.machine) return { rank: 1, inScope: (ctx) => ctx.machine?.includes(s.machine!) ?? false };
  return { rank: 0, inScope: () => true };
}

/** Compiles a rule set once: every glob becomes a matcher. */
export function compileRules(set: RuleSet, version: number | null = null): CompiledRules {
  return {
    version,
    byTool: new Map(),
    rules: set.rules.map((rule, index) => ({
      index,
      rule,
      ...scopeOf(rule),
      tool: rule.tool ? anyOf(rule.tool.map(wordGlob)) : null,
      command: rule.command
        ? (
            (ms) => (w: BashWord[], a: boolean) =>
              ms.some((m) => m(w, a))
          )(rule.command.map(commandMatcher))
        : null,
      path: rule.path
        ? (
            (ms) => (p: string, c: PathContext) =>
              ms.some((m) => m(p, c))
          )(rule.path.map(pathGlob))
        : null,
      host: rule.host ? anyOf(rule.host.map((h) => wordGlob(h.toLowerCase()))) : null,
    })),
  };
}

const PATH_KEYS = ["file_path", "notebook_path", "path"] as const;
/** Tools whose `path` defaults to the cwd when omitted. */
const SEARCH_TOOLS = new Set(["Glob", "Grep", "LS"]);

/** The parts a call would do. */
function partsOf(call: CallContext, ctx: PathContext): Part[] {
  if (call.toolName === "Bash") {
    const command = call.input.command;
    if (typeof command !== "string") return [{ kind: "unknown", tool: "Bash", text: "", why: "the call has no command" }];
    return analyzeBash(command).map((p): Part => {
      if (p.kind === "command") return p;
      if (p.kind === "unknown") return { kind: "unknown", tool: "Bash", text: p.text, why: p.why };
      // A redirection writes (or reads) a file: judged as the Write (or Read) of that path.
      return { kind: "call", tool: p.kind === "write" ? "Write" : "Read", path: resolvePath(p.path, ctx.cwd, ctx.home), host: null, text: p.text };
    });
  }
  const key = PATH_KEYS.find((k) => typeof call.input[k] === "string" && call.input[k] !== "");
  const raw = key ? (call.input[key] as string) : SEARCH_TOOLS.has(call.toolName) ? ctx.cwd : null;
  const path = raw === null ? null : resolvePath(raw, ctx.cwd, ctx.home);
  const url = call.input.url;
  const host = typeof url === "string" ? hostOf(url) : null;
  return [{ kind: "call", tool: call.toolName, path, host, text: raw ?? (typeof url === "string" ? url : call.toolName) }];
}

/** Does `r` (already admitted for the part's tool by `rulesFor`) match the part? */
function matches(r: Compiled, part: Part, ctx: PathContext, forAllow: boolean): boolean {
  if (part.kind === "unknown") return !r.command && !r.path && !r.host && !r.rule.location;
  if (part.kind === "command") {
    if (r.path || r.host || r.rule.location) return false;
    if (forAllow && part.hasAssignments) return false; // `LD_PRELOAD=… ls` is not the `ls` a rule allowed
    return r.command ? r.command(part.words, forAllow) : true;
  }
  if (r.command) return false;
  if (r.path || r.rule.location) {
    if (part.path === null) return false;
    if (r.path && !r.path(part.path, ctx)) return false;
    if (r.rule.location && isInside(part.path, ctx.cwd) !== (r.rule.location === "inside")) return false;
  }
  if (r.host) return part.host !== null && r.host(part.host);
  return true;
}

type PartVerdict = { decision: RuleDecision; rule: Compiled | null; part: Part };

const better = (a: Compiled, b: Compiled | null) =>
  !b ||
  DECISION_RANK[a.rule.decision] > DECISION_RANK[b.rule.decision] ||
  (a.rule.decision === b.rule.decision && (a.rank > b.rank || (a.rank === b.rank && a.index < b.index)));

function judgePart(rules: CompiledRules, call: CallContext, part: Part, ctx: PathContext): PartVerdict {
  let best: Compiled | null = null;
  for (const r of rulesFor(rules, part.kind === "command" ? "Bash" : part.tool)) {
    if (r.inScope(call, ctx.cwd) && matches(r, part, ctx, r.rule.decision === "allow")) {
      best = r;
      break;
    }
  }
  // Nothing the walker could not read is ever allowed, whatever a broad rule says.
  if (best?.rule.decision === "allow" && part.kind === "unknown") return { decision: "ask", rule: null, part };
  return { decision: best?.rule.decision ?? "ask", rule: best, part };
}

const refOf = (c: Compiled | null, version: number | null): RuleRef | null => (c ? { index: c.index, id: c.rule.id ?? null, version } : null);
const nameOf = (c: Compiled) => (c.rule.id ? `rule "${c.rule.id}"` : `rule #${c.index + 1}`);
const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

/**
 * The verdict of `rules` on one call. Never throws on any input.
 * @example evaluate(compileRules({ rules: [{ decision: "allow", tool: ["Bash"], command: ["git status"] }] }), { toolName: "Bash", input: { command: "git status" }, cwd: "/repo" }).decision === "allow"
 */
export function evaluate(rules: CompiledRules, call: CallContext): RuleVerdict {
  const cwd = normalizePath(call.cwd);
  const ctx: PathContext = { cwd, home: call.home ?? null };
  const verdicts = partsOf(call, ctx).map((p) => judgePart(rules, call, p, ctx));
  const v = rules.version;
  const denied = verdicts.filter((x) => x.decision === "deny").sort((a, b) => (better(a.rule!, b.rule) ? -1 : 1))[0];
  if (denied?.rule) {
    const many = verdicts.length > 1 ? ` (the part \`${short(denied.part.text)}\`)` : "";
    return { decision: "deny", rule: refOf(denied.rule, v), message: denied.rule.rule.message ?? null, reason: `${nameOf(denied.rule)} denies it${many}` };
  }
  const asking = verdicts.find((x) => x.decision !== "allow");
  if (asking) {
    const why =
      asking.part.kind === "unknown"
        ? `\`${short(asking.part.text)}\` cannot be checked by rules: ${asking.part.why}`
        : asking.rule
          ? `${nameOf(asking.rule)} asks a person${verdicts.length > 1 ? ` for \`${short(asking.part.text)}\`` : ""}`
          : `no rule allows ${verdicts.length > 1 ? `\`${short(asking.part.text)}\`` : "it"}`;
    const r = asking.rule?.rule;
    const route = r ? routeOf(r) : {};
    return { decision: "ask", rule: refOf(asking.rule, v), message: null, reason: why, ...route };
  }
  const first = verdicts[0]!.rule!;
  if (call.requiresUserInteraction)
    return {
      decision: "ask",
      rule: refOf(first, v),
      message: null,
      reason: `${nameOf(first)} would allow it, but Claude Code requires a person to answer this request`,
      held: true,
    };
  return {
    decision: "allow",
    rule: refOf(first, v),
    message: null,
    reason: `${nameOf(first)} allows it${verdicts.length > 1 ? ` (and every part of it)` : ""}`,
  };
}

/** What an ask rule says of who decides and when (empty when it says nothing: the default deciders, no timers). */
function routeOf(r: Rule): { route?: RouteSpec } {
  if (!r.decide_by && !r.quorum && !r.escalate && !r.deadline) return {};
  return {
    route: {
      decideBy: r.decide_by ?? "owner",
      quorum: r.quorum ?? 1,
      ...(r.escalate ? { escalate: { afterMs: durationMs(r.escalate.after), to: r.escalate.to } } : {}),
      ...(r.deadline ? { deadlineMs: durationMs(r.deadline) } : {}),
      ...(r.deadline_message ? { deadlineMessage: r.deadline_message } : {}),
    },
  };
}
