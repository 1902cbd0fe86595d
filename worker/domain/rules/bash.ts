/**
 * A Bash command as the parts a rule must approve one by one. The command is parsed (unbash), never
 * matched as a substring: `git status && curl x | sh` is three commands, `$(…)`, backticks and `<(…)`
 * add the commands inside them, and a redirection to a file is a write (or read) of that path. What
 * the walker does not understand becomes an `unknown` part, which no rule can allow (deny on doubt).
 */
import { parse, type Command, type Redirection, type Script, type Statement, type Word, type WordPart } from "unbash";

/** One word of a command: its value when it is fixed text, or its source when it depends on something run-time. */
export interface BashWord {
  text: string;
  /** False when it holds a `$VAR`, `$(…)`, arithmetic or process substitution: its value is not known here. */
  isStatic: boolean;
}

export type BashPart =
  | { kind: "command"; words: BashWord[]; text: string; hasAssignments: boolean }
  | { kind: "write" | "read"; path: string; text: string }
  | { kind: "unknown"; text: string; why: string };

/** Bounds, so a hostile command costs bounded work: nesting depth and parts. */
const MAX_DEPTH = 16;
const MAX_PARTS = 512;
const MAX_SOURCE = 100_000;

/** Write targets that store nothing: a redirection there is not a file write. */
const SINKS = new Set(["/dev/null", "/dev/stdout", "/dev/stderr"]);

class Walker {
  readonly parts: BashPart[] = [];
  constructor(readonly source: string) {}

  unknown(text: string, why: string): void {
    this.parts.push({ kind: "unknown", text, why });
  }

  slice(node: { pos: number; end: number }, src: string): string {
    return src.slice(node.pos, node.end);
  }

  script(s: Script, src: string, depth: number): void {
    const errors = (s as { errors?: readonly { message: string }[] }).errors;
    if (errors?.length) this.unknown(src, `the shell parser could not read it (${errors[0]!.message})`);
    for (const st of s.commands) this.statement(st, s.source ?? src, depth);
  }

  statement(st: Statement, src: string, depth: number): void {
    this.node(st.command, src, depth);
  }

  node(n: Statement["command"] | Statement, src: string, depth: number): void {
    if (this.parts.length > MAX_PARTS) return this.unknown("", "the command has too many parts to check");
    if (depth > MAX_DEPTH) return this.unknown(this.slice(n, src), "the command nests too deeply to check");
    const d = depth + 1;
    switch (n.type) {
      case "Statement":
        return this.node(n.command, src, d);
      case "AndOr":
      case "Pipeline":
        for (const c of n.commands) this.node(c, src, d);
        return;
      case "Command":
        return this.command(n, src, d);
      case "Subshell":
      case "BraceGroup":
        for (const st of n.body.commands) this.node(st, src, d);
        return;
      case "If":
        for (const list of [n.clause, n.then, ...n.elif.flatMap((e) => [e.clause, e.then]), ...(n.else ? [n.else] : [])])
          for (const st of list.commands) this.node(st, src, d);
        return;
      case "While":
        for (const st of [...n.clause.commands, ...n.body.commands]) this.node(st, src, d);
        return;
      case "Redirected":
        this.node(n.command, src, d);
        for (const r of n.redirects) this.redirect(r, src, d);
        return;
      default:
        // Loops over run-time values, functions, case, coproc, [[ ]] and (( )): not classified.
        return this.unknown(this.slice(n, src), `a ${n.type} construct is not checked by rules`);
    }
  }

  command(c: Command, src: string, depth: number): void {
    const text = this.slice(c, src);
    const words: BashWord[] = [];
    let hasAssignments = false;
    for (const p of c.prefix) {
      if (p.type === "Assignment") {
        hasAssignments = true;
        if (p.value.type === "Word") this.word(p.value, src, depth);
        else for (const el of p.value.elements) this.word(el, src, depth);
      } else this.redirect(p, src, depth);
    }
    if (c.name) words.push(this.word(c.name, src, depth));
    for (const s of c.suffix) {
      if (s.type === "Word") words.push(this.word(s, src, depth));
      else if (s.type === "Assignment") {
        words.push({ text: s.text, isStatic: false });
        if (s.value.type === "Word") this.word(s.value, src, depth);
      } else this.redirect(s, src, depth);
    }
    // A bare `X=…` sets a variable the later parts may run: not something to approve blindly.
    if (words.length === 0) {
      if (hasAssignments) this.unknown(text, "a variable assignment is not checked by rules");
      return;
    }
    this.parts.push({ kind: "command", words, text, hasAssignments });
  }

  /** A word's value when fixed; any nested command in it becomes a part of its own. */
  word(w: Word, src: string, depth: number): BashWord {
    let isStatic = true;
    const visit = (parts: readonly WordPart[] | undefined) => {
      for (const p of parts ?? []) {
        switch (p.type) {
          case "Literal":
          case "SingleQuoted":
          case "AnsiCQuoted":
          case "Glob":
          case "BraceExpansion":
            break;
          case "DoubleQuoted":
          case "LocaleString":
            visit(p.parts);
            break;
          case "ExtendedGlob":
            visit(p.parts);
            break;
          case "CommandExpansion":
          case "ProcessSubstitution":
            isStatic = false;
            if (p.script) this.script(p.script, p.script.source ?? src, depth + 1);
            else this.unknown(p.text, "a command substitution the parser could not read");
            break;
          case "ParameterExpansion":
            isStatic = false;
            if (p.operation && "operand" in p.operation && p.operation.operand) this.word(p.operation.operand, src, depth + 1);
            break;
          default:
            isStatic = false;
        }
      }
    };
    visit(w.parts);
    return { text: isStatic ? w.value : w.text, isStatic };
  }

  redirect(r: Redirection, src: string, depth: number): void {
    const text = this.slice(r, src);
    if (r.type === "HereDoc") {
      if (r.body.parts) this.word({ type: "Word", text: r.body.text, value: r.body.text, pos: r.body.pos, end: r.body.end, parts: r.body.parts }, src, depth);
      return;
    }
    if (!r.target) return this.unknown(text, "a redirection without a target");
    const target = this.word(r.target, src, depth);
    if (r.type === "HereString") return;
    const op = r.operator;
    // `2>&1`, `<&0`, `>&-`: a descriptor copy or close, not a file.
    if ((op === ">&" || op === "<&") && /^(\d+-?|-)$/.test(target.text) && target.isStatic) return;
    if (!target.isStatic) return this.unknown(text, "a redirection to a path only known when it runs");
    if (op === "<") return void this.parts.push({ kind: "read", path: target.text, text });
    if (SINKS.has(target.text)) return;
    // `<>` opens for writing too; `>&file` is `&>file`.
    this.parts.push({ kind: "write", path: target.text, text });
  }
}

/**
 * The parts of `command` each rule must approve. Never throws: a parser failure is an `unknown` part.
 * @example analyzeBash("git add . && git commit -m 'x' > log") → command git add, command git commit, write log
 */
export function analyzeBash(command: string): BashPart[] {
  if (command.length > MAX_SOURCE) return [{ kind: "unknown", text: command.slice(0, 200), why: "the command is too long to check" }];
  const w = new Walker(command);
  try {
    w.script(parse(command), command, 0);
  } catch (e) {
    return [{ kind: "unknown", text: command, why: `the shell parser failed (${e instanceof Error ? e.message : String(e)})` }];
  }
  if (w.parts.length === 0) w.unknown(command, "no command to check");
  return w.parts;
}
