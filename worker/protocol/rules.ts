/**
 * Approval rules on the wire: the rule set a workspace writes (YAML or JSON), the versions it keeps,
 * and the bodies of its test and replay routes. Shared by the Worker, the room, the web and the CLI;
 * the engine that applies a rule set is worker/domain/rules/.
 */
import { z } from "zod";

const Glob = z.string().trim().min(1, "an empty pattern matches nothing; remove it").max(1000);
/** One pattern or a list of them; a list matches when any of its patterns does. */
const Globs = z.union([Glob, z.array(Glob).min(1).max(200)]).transform((g) => (Array.isArray(g) ? g : [g]));

/** Paths are matched after `..` is folded, so a glob with a `..` segment could never match: refused. */
const PathGlob = Glob.refine((g) => !g.split("/").includes(".."), "a path pattern cannot contain `..`; write the path it points to");

export const RuleDecision = z.enum(["allow", "deny", "ask"]);
export type RuleDecision = z.infer<typeof RuleDecision>;

/**
 * Where a rule applies: the whole workspace (no scope), one machine, sessions launched from a template,
 * the steps of a pipeline, or sessions whose cwd is inside a directory tree.
 */
export const RuleScope = z
  .object({
    machine: z.string().min(1).max(200).optional(),
    template: z.string().min(1).max(200).optional(),
    pipeline: z.string().min(1).max(200).optional(),
    directory: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^(\/|~\/|~$)/, "a directory scope is an absolute path (or starts with ~/)")
      .optional(),
  })
  .strict()
  .refine((s) => Object.values(s).filter((v) => v !== undefined).length <= 1, "a scope names one of machine, template, pipeline or directory");
export type RuleScope = z.infer<typeof RuleScope>;

/** Who decides a call a rule asks about: `owner`, `collaborators` or `group:<name>`. */
export const DecideBy = z.string().regex(/^(owner|collaborators|group:[a-z0-9][a-z0-9._-]{0,63})$/, "decide_by is owner, collaborators or group:<name>");
export type DecideBy = z.infer<typeof DecideBy>;

/** A rule's duration: `2s`, `10m`, `1h30m`, `1d` (at least a second, at most 30 days). */
export const RuleDuration = z
  .string()
  .regex(/^(\d+[dhms])+$/, "a duration is a number and a unit, such as 30s, 10m, 2h or 1h30m")
  .refine((t) => durationMs(t) >= 1000 && durationMs(t) <= 30 * 86_400_000, "a duration is at least 1s and at most 30d");

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds of a duration as a rule writes it (`1h30m` → 5,400,000); 0 for text that is not one. */
export function durationMs(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([dhms])/g)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}

/** Where an escalation sends a call: an approver group, as `sre` or `group:sre`. */
export const EscalateTo = z
  .string()
  .regex(/^(group:)?[a-z0-9][a-z0-9._-]{0,63}$/, "escalate.to names an approver group: `sre` or `group:sre`")
  .transform((t) => (t.startsWith("group:") ? t : `group:${t}`));

/** Where an ask routes its call, as the rule says it (resolved to people when the call starts waiting). */
export const RouteSpec = z.object({
  decideBy: DecideBy,
  quorum: z.number().int().min(1).max(5),
  /** After `afterMs` of waiting, the call is routed also to group `to` (a `group:<name>`). */
  escalate: z.object({ afterMs: z.number().int().positive(), to: DecideBy }).optional(),
  /** After `deadlineMs` of waiting, the call is denied with `deadlineMessage` (or a default naming the deadline). */
  deadlineMs: z.number().int().positive().optional(),
  deadlineMessage: z.string().optional(),
});
export type RouteSpec = z.infer<typeof RouteSpec>;

export const Rule = z
  .object({
    /** A name for the rule, shown in the session and the audit log when it decides (default: its position). */
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a rule id is letters, digits, dot, dash or underscore")
      .optional(),
    decision: RuleDecision,
    /** What Claude reads when the rule denies a call; also shown to people. */
    message: z.string().trim().min(1).max(2000).optional(),
    /** Tool names as globs (`Bash`, `Edit`, `mcp__github__*`); default every tool. */
    tool: Globs.optional(),
    /** Bash only: command patterns, word by word (`git diff *`, `npm run test*`). A trailing `*` word is "any further words". */
    command: Globs.optional(),
    /** Path globs the call's file must match: `src/**` (from the session's cwd), `/etc/**`, `~/.ssh/**`, `.env*` (a name anywhere). */
    path: z
      .union([PathGlob, z.array(PathGlob).min(1).max(200)])
      .transform((g) => (Array.isArray(g) ? g : [g]))
      .optional(),
    /** Whether the call's file is inside the session's project (its cwd) or outside it. */
    location: z.enum(["inside", "outside"]).optional(),
    /** WebFetch only: URL host globs (`github.com`, `*.python.org`). */
    host: Globs.optional(),
    scope: RuleScope.optional(),
    /** An ask only: who decides: the session's owner (default), its collaborators, or an approver group (`group:<name>`). */
    decide_by: DecideBy.optional(),
    /** An ask only: how many distinct eligible people must approve (the session's launcher does not count). */
    quorum: z.number().int().min(1).max(5).optional(),
    /** An ask only: after waiting this long, the call goes also to an approver group (the first approvers keep the right). */
    escalate: z.object({ after: RuleDuration, to: EscalateTo }).strict().optional(),
    /** An ask only: after waiting this long, the call is denied with `deadline_message` (Claude reads it). */
    deadline: RuleDuration.optional(),
    deadline_message: z.string().trim().min(1).max(2000).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const key of ["decide_by", "quorum", "escalate", "deadline", "deadline_message"] as const)
      if (r[key] !== undefined && r.decision !== "ask")
        ctx.addIssue({ code: "custom", path: [key], message: `${key} only applies to an ask rule: allow and deny decide without a person` });
    if (r.deadline_message && !r.deadline)
      ctx.addIssue({ code: "custom", path: ["deadline_message"], message: "deadline_message needs a deadline: say after how long the call is denied" });
    if (r.escalate && r.deadline && durationMs(r.escalate.after) >= durationMs(r.deadline))
      ctx.addIssue({
        code: "custom",
        path: ["escalate", "after"],
        message: "the escalation comes after the deadline, so it would never happen; make it sooner",
      });
    if (r.decision === "deny" && !r.message)
      ctx.addIssue({ code: "custom", path: ["message"], message: "a deny rule needs a message: Claude reads it to know what to do instead" });
  });
export type Rule = z.infer<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;

export const RuleSet = z
  .object({
    rules: z.array(Rule).max(2000, "at most 2,000 rules in a set"),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.rules.forEach((r, i) => {
      if (!r.id) return;
      if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `the rule id "${r.id}" is used twice` });
      seen.add(r.id);
    });
  });
export type RuleSet = z.infer<typeof RuleSet>;

/**
 * A machine owner's deny policy: deny rules in the rule-set format, applied before every workspace rule
 * and every person for sessions on that machine (a call it denies is denied, whoever approves it).
 */
export const MachineDenyRules = z
  .object({ rules: z.array(Rule).max(500, "at most 500 rules in a machine policy") })
  .strict()
  .superRefine((s, ctx) => {
    s.rules.forEach((r, i) => {
      if (r.decision !== "deny")
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "decision"],
          message: "a machine policy only denies: allow and ask belong in the workspace's rules",
        });
    });
  });
export type MachineDenyRules = z.infer<typeof MachineDenyRules>;

/** A stored version of a workspace's rule set. */
export const RuleSetVersion = z.object({
  version: z.number().int().min(0),
  ruleSet: RuleSet,
  /** The text as written (YAML or JSON), so `show` and `edit` round-trip comments. */
  source: z.string(),
  authorId: z.string().nullable(),
  createdAt: z.number().int(),
  /** Why the stored rules no longer read: the version then holds no rules, so every call asks a person. */
  unreadable: z.string().optional(),
});
export type RuleSetVersion = z.infer<typeof RuleSetVersion>;

/** Which rule decided, for events, audit entries and the test route. */
export const RuleRef = z.object({ index: z.number().int(), id: z.string().nullable(), version: z.number().int().nullable() });
export type RuleRef = z.infer<typeof RuleRef>;

export const RuleVerdict = z.object({
  decision: RuleDecision,
  /** null: no rule matched, so a person is asked. */
  rule: RuleRef.nullable(),
  message: z.string().nullable(),
  /** Why, in a sentence (which part of a compound command asked, for instance). */
  reason: z.string(),
  /** An ask whose rule names who decides (`decide_by`) or a quorum. */
  route: RouteSpec.optional(),
  /** An ask that `rule` would have allowed, held back because Claude Code requires a person to answer the call. */
  held: z.literal(true).optional(),
  /** Set when the machine's owner's deny policy decided (the machine's name): `rule` is a rule of that policy. */
  machine: z.string().optional(),
});
export type RuleVerdict = z.infer<typeof RuleVerdict>;

/** The most a rule set's text may weigh. */
const MAX_SOURCE = 512 * 1024;
const Source = z.string().min(1).max(MAX_SOURCE, "a rule set is at most 512 KB");

/** A new version: the rule set as YAML or JSON text (errors name its line and column). */
export const PutRulesBody = z.object({
  source: Source,
  /** The version the edit was made on; a newer one in between is a conflict rather than lost. */
  baseVersion: z.number().int().min(0).optional(),
});

export const RuleHistory = z.object({ versions: z.array(RuleSetVersion) });

/** A hypothetical call, judged by the current rules or by `source` when given. */
export const TestRulesBody = z.object({
  call: z.object({
    toolName: z.string().min(1).max(200),
    input: z.record(z.string(), z.unknown()),
    cwd: z.string().min(1).max(4096),
    home: z.string().max(4096).nullable().optional(),
    machine: z.string().max(200).optional(),
    template: z.string().max(200).optional(),
    pipeline: z.string().max(200).optional(),
  }),
  source: Source.optional(),
});

export const ReplayBody = z.object({
  days: z.number().int().min(1).max(90).default(7),
  /** A proposed rule set to try; default the current one. */
  source: Source.optional(),
  /** The most items listed per decision (the counts are always exact). */
  limit: z.number().int().min(1).max(1000).default(200),
});

const ReplayItem = z.object({
  approvalId: z.string(),
  sessionId: z.string(),
  toolName: z.string(),
  summary: z.string(),
  createdAt: z.number(),
  verdict: RuleVerdict,
  actual: z.object({ status: z.string(), via: z.string().nullable(), decidedBy: z.string().nullable(), comment: z.string().nullable() }),
});

export const ReplayResult = z.object({
  version: z.number().int().nullable(),
  days: z.number().int(),
  total: z.number().int(),
  counts: z.object({ allow: z.number().int(), deny: z.number().int(), ask: z.number().int() }),
  changes: z.object({ allowedButPersonDenied: z.number().int(), deniedButPersonApproved: z.number().int() }),
  allow: z.array(ReplayItem),
  deny: z.array(ReplayItem),
  ask: z.array(ReplayItem),
  truncated: z.boolean(),
});
export type ReplayResult = z.infer<typeof ReplayResult>;
