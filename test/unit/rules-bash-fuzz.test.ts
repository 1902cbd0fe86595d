/**
 * Fuzzes the Bash analysis with random command strings (a seeded PRNG, a bounded count): it never
 * throws, and a rule set can only allow what the analysis fully read, part by part.
 */
import { describe, expect, it } from "vitest";
import { parse } from "unbash";
import { analyzeBash } from "../../worker/domain/rules/bash";
import { compileRules, evaluate } from "../../worker/domain/rules/evaluate";

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  "echo",
  "rm",
  "-rf",
  "ls",
  "git",
  "push",
  "x",
  "/",
  "a b",
  "&&",
  "||",
  ";",
  "|",
  "|&",
  "&",
  "(",
  ")",
  "{",
  "}",
  "$(",
  "`",
  "'",
  '"',
  "$X",
  "${X:-y}",
  "$((1+2))",
  ">",
  ">>",
  "<",
  "2>&1",
  "&>",
  "<<EOF",
  "EOF",
  "<<<",
  "<(",
  ">(",
  "\\",
  "\n",
  "#",
  "*",
  "?",
  "[a]",
  "!",
  "if",
  "then",
  "fi",
  "for",
  "in",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "function",
  "f()",
  "eval",
  "X=1",
  "~",
  "..",
  "\t",
  "'\\''",
];

function randomCommand(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 12);
  let s = "";
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.85) s += TOKENS[Math.floor(rand() * TOKENS.length)];
    else s += String.fromCharCode(Math.floor(rand() * 128));
    if (rand() < 0.7) s += " ";
  }
  return s;
}

const ECHO_ONLY = compileRules({ rules: [{ decision: "allow", tool: ["Bash"], command: ["echo *"] }] });
const ALLOW_ALL = compileRules({ rules: [{ decision: "allow" }] });

describe("fuzz", () => {
  it("never throws, and allows only commands read whole whose every part a rule allows", () => {
    const rand = prng(0x70fe2);
    let allowed = 0;
    for (let i = 0; i < 1500; i++) {
      const command = randomCommand(rand);
      const parts = analyzeBash(command);
      expect(parts.length).toBeGreaterThan(0);
      const all = evaluate(ALLOW_ALL, { toolName: "Bash", input: { command }, cwd: "/repo" });
      const readWhole = parts.every((p) => p.kind !== "unknown");
      if (!readWhole) expect(all.decision, command).not.toBe("allow");
      if ((parse(command).errors?.length ?? 0) > 0) expect(all.decision, command).not.toBe("allow");
      const echo = evaluate(ECHO_ONLY, { toolName: "Bash", input: { command }, cwd: "/repo" });
      if (echo.decision === "allow") {
        allowed++;
        for (const p of parts) {
          expect(p.kind, command).toBe("command");
          if (p.kind === "command") expect(p.words[0], command).toEqual({ text: "echo", isStatic: true });
        }
      }
    }
    // The generator reaches the allow side too, or the property above would be vacuous.
    expect(allowed).toBeGreaterThan(0);
  }, 60_000);

  it("an allowed command with anything appended is judged again as a whole", () => {
    const rand = prng(42);
    const joins = ["&&", "||", ";", "|", "|&", "&", "\n", "$(", "`", "<(", ">("];
    for (let i = 0; i < 1000; i++) {
      const command = `echo ok ${joins[Math.floor(rand() * joins.length)]} rm -rf /`;
      expect(evaluate(ECHO_ONLY, { toolName: "Bash", input: { command }, cwd: "/repo" }).decision, command).not.toBe("allow");
    }
  });

  it("bounds hostile input: deep nesting and huge commands end as 'not allowed', quickly", () => {
    const deep = `${"$(".repeat(2000)}ls${")".repeat(2000)}`;
    const t0 = performance.now();
    expect(evaluate(ALLOW_ALL, { toolName: "Bash", input: { command: deep }, cwd: "/" }).decision).not.toBe("allow");
    expect(evaluate(ALLOW_ALL, { toolName: "Bash", input: { command: "echo x; ".repeat(20_000) }, cwd: "/" }).decision).not.toBe("allow");
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
