/**
 * The `when:` expression language: a tiny, safe language over upstream outputs, parsed by hand
 * (never eval). `steps.build.status == "succeeded" && steps.build.cost < 0.5 || contains(steps.lint.result, "clean")`.
 * Values: strings, numbers, booleans, null; operators `|| && ! == != < <= > >=` and parentheses;
 * functions contains(a, b) and startsWith(a, b); names `steps.<step>[<i>].<status|result|cost|sessionId>`
 * and `params.<name>`. Parsing reports the column of the first problem; evaluation is total.
 */
export type Value = string | number | boolean | null;

export type Expr =
  | { kind: "lit"; value: Value }
  | { kind: "ref"; path: string[]; at: number }
  | { kind: "not"; arg: Expr }
  | { kind: "bin"; op: string; left: Expr; right: Expr }
  | { kind: "call"; fn: "contains" | "startsWith"; args: Expr[] };

type Token = { t: "num" | "str" | "id" | "op" | "end"; v: string; at: number };

const STEP_FIELDS = ["status", "result", "cost", "sessionId"];

export class ExprError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(`${message} (at column ${column})`);
  }
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i + 1;
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?/.exec(src.slice(i))!;
      out.push({ t: "num", v: m[0], at });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprError("unterminated string", at);
      out.push({ t: "str", v: s, at });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0], at });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
        out.push({ t: "op", v: two, at });
        i += 2;
      } else if ("<>!().,[]".includes(c)) {
        out.push({ t: "op", v: c, at });
        i++;
      } else throw new ExprError(`unexpected "${c}"`, at);
    }
  }
  out.push({ t: "end", v: "", at: src.length + 1 });
  return out;
}

/** Parses an expression; throws ExprError naming the column and what was expected. */
export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p]!;
  const take = () => toks[p++]!;
  const expect = (v: string) => {
    const t = take();
    if (t.v !== v || t.t !== "op") throw new ExprError(`expected "${v}" but found ${t.t === "end" ? "the end" : `"${t.v}"`}`, t.at);
  };
  const binary = (ops: string[], next: () => Expr) => (): Expr => {
    let left = next();
    while (peek().t === "op" && ops.includes(peek().v)) {
      const op = take().v;
      left = { kind: "bin", op, left, right: next() };
    }
    return left;
  };
  const primary = (): Expr => {
    const t = take();
    if (t.t === "num") return { kind: "lit", value: Number(t.v) };
    if (t.t === "str") return { kind: "lit", value: t.v };
    if (t.t === "op" && t.v === "(") {
      const e = or();
      expect(")");
      return e;
    }
    if (t.t === "id") {
      if (t.v === "true" || t.v === "false") return { kind: "lit", value: t.v === "true" };
      if (t.v === "null") return { kind: "lit", value: null };
      if (peek().v === "(") {
        if (t.v !== "contains" && t.v !== "startsWith") throw new ExprError(`unknown function "${t.v}"; use contains(a, b) or startsWith(a, b)`, t.at);
        take();
        const args = [or()];
        expect(",");
        args.push(or());
        expect(")");
        return { kind: "call", fn: t.v, args };
      }
      return ref(t);
    }
    throw new ExprError(t.t === "end" ? "the expression ends too early" : `unexpected "${t.v}"`, t.at);
  };
  const ref = (first: Token): Expr => {
    const path = [first.v];
    for (;;) {
      if (peek().v === ".") {
        take();
        const id = take();
        if (id.t !== "id") throw new ExprError(`expected a name after "."`, id.at);
        path.push(id.v);
      } else if (peek().v === "[") {
        take();
        const n = take();
        if (n.t !== "num") throw new ExprError("expected a copy number in [ ]", n.at);
        expect("]");
        path[path.length - 1] += `[${n.v}]`;
      } else break;
    }
    if (path[0] === "steps") {
      if (path.length !== 3 || !STEP_FIELDS.includes(path[2]!))
        throw new ExprError(`write steps.<step>.<${STEP_FIELDS.join("|")}>, not ${path.join(".")}`, first.at);
    } else if (path[0] === "params") {
      if (path.length !== 2) throw new ExprError(`write params.<name>, not ${path.join(".")}`, first.at);
    } else throw new ExprError(`unknown name "${path.join(".")}"; use steps.<step>.<field> or params.<name>`, first.at);
    return { kind: "ref", path, at: first.at };
  };
  const not = (): Expr => (peek().v === "!" && peek().t === "op" ? (take(), { kind: "not", arg: not() }) : cmp());
  const cmp = (): Expr => {
    const left = primary();
    if (peek().t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(peek().v)) {
      const op = take().v;
      return { kind: "bin", op, left, right: primary() };
    }
    return left;
  };
  const and = binary(["&&"], not);
  const or = binary(["||"], and);
  const e = or();
  if (peek().t !== "end") throw new ExprError(`unexpected "${peek().v}"`, peek().at);
  return e;
}

/** Step names an expression refers to (`steps.build[1].x` → "build"). */
export function referencedSteps(e: Expr): string[] {
  const out = new Set<string>();
  const walk = (x: Expr): void => {
    if (x.kind === "ref" && x.path[0] === "steps") out.add(x.path[1]!.replace(/\[\d+\]$/, ""));
    else if (x.kind === "not") walk(x.arg);
    else if (x.kind === "bin") walk(x.left), walk(x.right);
    else if (x.kind === "call") x.args.forEach(walk);
  };
  walk(e);
  return [...out];
}

export function referencedParams(e: Expr): string[] {
  const out: string[] = [];
  const walk = (x: Expr): void => {
    if (x.kind === "ref" && x.path[0] === "params") out.push(x.path[1]!);
    else if (x.kind === "not") walk(x.arg);
    else if (x.kind === "bin") walk(x.left), walk(x.right);
    else if (x.kind === "call") x.args.forEach(walk);
  };
  walk(e);
  return out;
}

const truthy = (v: Value) => v !== null && v !== false && v !== "" && v !== 0;
const num = (v: Value) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null);

function equal(a: Value, b: Value): boolean {
  if (typeof a === "number" || typeof b === "number") {
    const x = num(a);
    const y = num(b);
    return x !== null && y !== null && x === y;
  }
  return a === b;
}

/** Evaluates with `lookup` resolving names (unknown → null). Total: never throws. */
export function evaluate(e: Expr, lookup: (path: string[]) => Value): Value {
  switch (e.kind) {
    case "lit":
      return e.value;
    case "ref":
      return lookup(e.path);
    case "not":
      return !truthy(evaluate(e.arg, lookup));
    case "call": {
      const [a, b] = e.args.map((x) => evaluate(x, lookup));
      if (a === null || a === undefined || b === null || b === undefined) return false;
      return e.fn === "contains" ? String(a).includes(String(b)) : String(a).startsWith(String(b));
    }
    case "bin": {
      if (e.op === "&&") return truthy(evaluate(e.left, lookup)) && truthy(evaluate(e.right, lookup));
      if (e.op === "||") return truthy(evaluate(e.left, lookup)) || truthy(evaluate(e.right, lookup));
      const l = evaluate(e.left, lookup);
      const r = evaluate(e.right, lookup);
      if (e.op === "==") return equal(l, r);
      if (e.op === "!=") return !equal(l, r);
      const x = num(l);
      const y = num(r);
      if (x === null || y === null) return false;
      return e.op === "<" ? x < y : e.op === "<=" ? x <= y : e.op === ">" ? x > y : x >= y;
    }
  }
}

export const isTruthy = truthy;
