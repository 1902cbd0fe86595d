import { describe, expect, it } from "vitest";
import { advance, backoffMs, initialState, pickMachine, type Machine, type SessionEnd, type StepState } from "../../worker/pipelines/advance";
import { evaluate, parseExpr, type Value } from "../../worker/pipelines/expr";
import { findCycle, topoOrder } from "../../worker/pipelines/graph";
import { planPipeline, type Plan, type ResolvedTemplate } from "../../worker/pipelines/plan";
import { parseYaml, formatIssue } from "../../worker/pipelines/yaml";
import { PipelineSpec } from "../../worker/protocol/pipelines";
import { TemplateRecipe } from "../../worker/protocol/templates";

const spec = (s: unknown) => PipelineSpec.parse(s);
const NO_TEMPLATES = new Map<string, ResolvedTemplate | string>();
function plan(s: unknown, given = {}, templates = NO_TEMPLATES): Plan {
  const r = planPipeline(spec(s), templates, given);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  return r.plan;
}
function issues(s: unknown, given = {}, templates = NO_TEMPLATES): string {
  const r = planPipeline(spec(s), templates, given);
  return r.ok ? "(planned)" : r.issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}
const p = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt, ...extra });

describe("graph", () => {
  it.each<[string, Record<string, string[]>, string[] | null]>([
    ["no cycle", { a: [], b: ["a"], c: ["a", "b"] }, null],
    ["a two-step cycle", { a: ["b"], b: ["a"] }, ["a", "b", "a"]],
    ["a three-step cycle, named in the order work flows", { a: ["c"], b: ["a"], c: ["b"] }, ["a", "b", "c", "a"]],
    ["a cycle behind an acyclic start", { start: [], x: ["start", "z"], y: ["x"], z: ["y"] }, ["x", "y", "z", "x"]],
  ])("findCycle: %s", (_, g, want) => {
    expect(findCycle(new Map(Object.entries(g)))).toEqual(want);
  });

  it.each<[string, Record<string, string[]>, string[]]>([
    ["keeps definition order among independent steps", { b: [], a: [], c: [] }, ["b", "a", "c"]],
    ["puts a step after everything it needs", { d: ["b", "c"], c: ["a"], b: ["a"], a: [] }, ["a", "c", "b", "d"]],
  ])("topoOrder %s", (_, g, want) => {
    expect(topoOrder(new Map(Object.entries(g)))).toEqual(want);
  });
});

describe("expressions", () => {
  const outputs: Record<string, Value> = {
    "steps.build.status": "succeeded",
    "steps.build.cost": 0.25,
    "steps.build.result": "All tests pass",
    "params.env": "prod",
  };
  const lookup = (path: string[]) => outputs[path.join(".")] ?? null;
  it.each<[string, Value]>([
    ['steps.build.status == "succeeded"', true],
    ["steps.build.cost < 0.5 && steps.build.cost >= 0.25", true],
    ['steps.build.status != "succeeded" || params.env == "prod"', true],
    ['!(steps.build.status == "failed")', true],
    ['contains(steps.build.result, "pass")', true],
    ["startsWith(steps.build.result, 'Some')", false],
    ["steps.build.cost > 1", false],
    ["steps.build.cost == '0.25'", true],
    ["steps.other.result == null", true],
  ])("%s → %s", (src, want) => {
    expect(evaluate(parseExpr(src), lookup)).toBe(want);
  });

  it.each<[string, RegExp]>([
    ["steps.build.status ==", /ends too early \(at column 22\)/],
    ['steps.build.colour == "red"', /write steps.<step>.<status\|result\|cost\|sessionId>/],
    ["eval(1, 2)", /unknown function "eval"/],
    ["process.exit", /unknown name "process.exit"/],
    ['"unterminated', /unterminated string/],
    ["a ; b", /unexpected ";"/],
  ])("refuses %s", (src, message) => {
    expect(() => parseExpr(src)).toThrow(message);
  });
});

describe("planner", () => {
  it("orders steps, expands a matrix and wires needs to every copy", () => {
    const pl = plan({
      name: "p",
      defaults: { cwd: "/w" },
      steps: { review: p("r", { needs: ["tests", "lint"] }), tests: p("t {{matrix.index}}", { matrix: { count: 3 } }), lint: p("l") },
    });
    expect(pl.steps.map((s) => s.id)).toEqual(["tests[0]", "tests[1]", "tests[2]", "lint", "review"]);
    expect(pl.steps.find((s) => s.id === "review")!.needs).toEqual(["tests[0]", "tests[1]", "tests[2]", "lint"]);
  });

  it("expands named matrix values as a product", () => {
    const pl = plan({
      name: "p",
      defaults: { cwd: "/w" },
      steps: { t: p("{{matrix.model}} {{matrix.os}}", { matrix: { model: ["a", "b"], os: ["x", "y"] } }) },
    });
    expect(pl.steps.map((s) => s.matrix)).toEqual([
      { model: "a", os: "x", index: 0 },
      { model: "a", os: "y", index: 1 },
      { model: "b", os: "x", index: 2 },
      { model: "b", os: "y", index: 3 },
    ]);
  });

  it("merges options: step over template over defaults, and pins the template version", () => {
    const t: ResolvedTemplate = {
      id: "tpl_1",
      name: "fix",
      version: 2,
      recipe: TemplateRecipe.parse({ prompt: "fix {{test}}", params: [{ name: "test" }], model: "from-template", selector: { labels: ["linux"] } }),
    };
    const pl = plan(
      { name: "p", defaults: { cwd: "/w", model: "default", maxTurns: 5 }, steps: { a: { template: "fix@2", params: { test: "x" }, maxTurns: 9 } } },
      {},
      new Map([["fix@2", t]]),
    );
    expect(pl.steps[0]).toMatchObject({
      template: { id: "tpl_1", version: 2 },
      recipe: { model: "from-template", maxTurns: 9, cwd: "/w" },
      selector: ["linux"],
    });
  });

  it("reads retries with backoff and a timeout", () => {
    const pl = plan({ name: "p", defaults: { cwd: "/w" }, steps: { a: p("a", { retries: { max: 2, backoff: "10s", factor: 3 }, timeout: "5m" }) } });
    expect(pl.steps[0]).toMatchObject({ retries: { max: 2, backoffMs: 10_000, factor: 3 }, timeoutMs: 300_000 });
    expect([1, 2, 3].map((n) => backoffMs(pl.steps[0]!, n))).toEqual([10_000, 30_000, 90_000]);
  });

  it.each<[string, unknown, RegExp, Record<string, unknown>?, Map<string, ResolvedTemplate | string>?]>([
    [
      "a cycle, naming it",
      { a: p("a", { needs: "c" }), b: p("b", { needs: "a" }), c: p("c", { needs: "b" }) },
      /the steps form a cycle: a → b → c → a; remove one of these needs/,
    ],
    ["a step needing itself", { a: p("a", { needs: "a" }) }, /"a" needs itself/],
    ["a need that is not a step", { a: p("a", { needs: "biuld" }) }, /"a" needs "biuld", which is not a step; the steps are a/],
    [
      "a condition over a step that is not upstream",
      { a: p("a"), b: p("b", { when: 'steps.a.status == "failed"' }) },
      /reads steps.a, which is not upstream of "b"; add it to needs/,
    ],
    ["a malformed condition", { a: p("a"), b: p("b", { needs: "a", when: "steps.a.status ==" }) }, /steps.b.when: the expression ends too early/],
    ["an output placeholder from a step that is not upstream", { a: p("a"), b: p("use {{steps.a.result}}") }, /"a" is not upstream of this step/],
    ["an undeclared pipeline parameter", { a: p("fix {{params.test}}") }, /declares no parameter "test"/],
    ["an unknown template", { a: { template: "nope" } }, /unknown template "nope"/],
    [
      "an unknown template version",
      { a: { template: "fix@9" } },
      /template "fix" has no version 9/,
      {},
      new Map([["fix@9", 'template "fix" has no version 9']]),
    ],
    [
      "a template parameter that does not exist",
      { a: { template: "fix", params: { tset: "x" } } },
      /template "fix" v1 has no parameter "tset"; it takes test/,
      {},
      new Map([["fix", { id: "tpl_1", name: "fix", version: 1, recipe: TemplateRecipe.parse({ prompt: "{{test}}", params: [{ name: "test" }] }) }]]),
    ],
    [
      "a missing template parameter",
      { a: { template: "fix" } },
      /missing required parameter "test"/,
      {},
      new Map([["fix", { id: "tpl_1", name: "fix", version: 1, recipe: TemplateRecipe.parse({ prompt: "{{test}}", params: [{ name: "test" }] }) }]]),
    ],
    [
      "a mistyped template parameter",
      { a: { template: "fix", params: { n: "many" } } },
      /"n" must be a number/,
      {},
      new Map([["fix", { id: "tpl_1", name: "fix", version: 1, recipe: TemplateRecipe.parse({ prompt: "{{n}}", params: [{ name: "n", type: "number" }] }) }]]),
    ],
  ])("refuses %s", (_, steps, message, given = {}, templates = NO_TEMPLATES) => {
    expect(issues({ name: "p", defaults: { cwd: "/w" }, steps }, given, templates)).toMatch(message);
  });

  it("refuses a missing pipeline parameter and a step without a working directory", () => {
    expect(issues({ name: "p", params: [{ name: "test" }], steps: { a: p("{{params.test}}") } })).toMatch(
      /missing required parameter "test"[\s\S]*|has no working directory/,
    );
    expect(issues({ name: "p", steps: { a: p("x") } })).toMatch(/step "a" has no working directory/);
  });

  it("reports YAML errors with line and column", () => {
    const r = parseYaml("name: p\nsteps:\n  a:\n    prompt: x\n    retries: lots\n", PipelineSpec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatIssue(r.issues[0]!)).toMatch(/^line 5, column 5: steps\.a\.retries/);
  });
});

describe("advance", () => {
  const machines = (...m: Partial<Machine>[]): Machine[] =>
    m.map((x, i) => ({ id: `agt_${i}`, name: `m${i}`, labels: [], capacity: 4, busy: 0, online: true, allowedUsers: null, ...x }));
  const start = (pl: Plan) => new Map(pl.steps.map((s) => [s.id, initialState(s.id)]));
  function apply(states: Map<string, StepState>, changes: Map<string, Partial<StepState>>) {
    for (const [id, c] of changes) states.set(id, { ...states.get(id)!, ...c });
  }
  const ended = (status: string, result = "ok", costUsd = 0.1): SessionEnd => ({ status, statusReason: "", result, costUsd });

  it("launches roots in parallel, then the step that needs both, on machines with the right labels", () => {
    const pl = plan({
      name: "p",
      defaults: { cwd: "/w" },
      steps: { a: p("a", { selector: { labels: ["x"] } }), b: p("b", { selector: { labels: ["y"] } }), c: p("c {{steps.a.result}}", { needs: ["a", "b"] }) },
    });
    const st = start(pl);
    const pool = machines({ labels: ["x"] }, { labels: ["y"] });
    const t1 = advance(pl, st, new Map(), pool, "u", 1000);
    expect(t1.launches.map((l) => [l.stepId, l.agent.name])).toEqual([
      ["a", "m0"],
      ["b", "m1"],
    ]);
    apply(st, t1.changes);
    st.set("a", { ...st.get("a")!, sessionId: "s_a" });
    st.set("b", { ...st.get("b")!, sessionId: "s_b" });
    const t2 = advance(pl, st, new Map([["s_a", ended("completed", "A")]]), pool, "u", 2000);
    expect(t2.launches).toEqual([]);
    apply(st, t2.changes);
    const t3 = advance(pl, st, new Map([["s_b", ended("completed", "B")]]), pool, "u", 3000);
    expect(t3.launches.map((l) => l.stepId)).toEqual(["c"]);
    apply(st, t3.changes);
    st.set("c", { ...st.get("c")!, sessionId: "s_c" });
    const t4 = advance(pl, st, new Map([["s_c", ended("completed")]]), pool, "u", 4000);
    expect(t4.run).toEqual({ status: "succeeded", reason: "3 succeeded, 0 skipped" });
  });

  it.each<[string, string | undefined, string, "queued" | "skipped"]>([
    ["success after a failure", undefined, "failed", "skipped"],
    ["failure after a failure", "failure", "failed", "queued"],
    ["failure after a success", "failure", "completed", "skipped"],
    ["always after a failure", "always", "failed", "queued"],
    ["an expression that holds", 'steps.a.status == "failed"', "failed", "queued"],
    ["an expression that does not", "steps.a.cost > 5", "completed", "skipped"],
  ])("conditions: %s", (_, when, sessionStatus, want) => {
    const pl = plan({ name: "p", defaults: { cwd: "/w" }, steps: { a: p("a"), b: p("b", { needs: "a", ...(when ? { when } : {}) }) } });
    const st = start(pl);
    const pool = machines({ capacity: 1 });
    apply(st, advance(pl, st, new Map(), pool, "u", 0).changes);
    st.set("a", { ...st.get("a")!, sessionId: "s1" });
    const t = advance(pl, st, new Map([["s1", ended(sessionStatus)]]), machines({ capacity: 1, busy: 1 }), "u", 10);
    expect(t.changes.get("b")?.status).toBe(want);
  });

  it("retries a failed session with backoff, on another machine when its own is gone, then fails for good", () => {
    const pl = plan({ name: "p", defaults: { cwd: "/w" }, steps: { a: p("a", { retries: { max: 1, backoff: "1s" } }) } });
    const st = start(pl);
    apply(st, advance(pl, st, new Map(), machines({}, { online: false }), "u", 0).changes);
    st.set("a", { ...st.get("a")!, sessionId: "s1" });
    const lost = advance(
      pl,
      st,
      new Map([["s1", { status: "failed", statusReason: "agent lost", result: null, costUsd: 0 }]]),
      machines({ online: false }, {}),
      "u",
      100,
    );
    expect(lost.changes.get("a")).toMatchObject({ status: "retrying", notBefore: 1100 });
    expect(lost.wakeAt).toBe(1100);
    apply(st, lost.changes);
    expect(advance(pl, st, new Map(), machines({ online: false }, {}), "u", 500).launches).toEqual([]);
    const again = advance(pl, st, new Map(), machines({ online: false }, {}), "u", 1100);
    expect(again.launches.map((l) => l.agent.name)).toEqual(["m1"]);
    apply(st, again.changes);
    st.set("a", { ...st.get("a")!, sessionId: "s2" });
    const done = advance(pl, st, new Map([["s2", ended("failed")]]), machines({}), "u", 2000);
    expect(done.changes.get("a")).toMatchObject({ status: "failed" });
    expect(done.run).toEqual({ status: "failed", reason: "failed: a" });
  });

  it("keeps a step visibly queued while every matching machine is full, and never fails it", () => {
    const pl = plan({ name: "p", defaults: { cwd: "/w" }, steps: { a: p("a", { selector: { labels: ["gpu"] } }) } });
    const st = start(pl);
    const t = advance(pl, st, new Map(), machines({ labels: ["gpu"], capacity: 1, busy: 1 }, { labels: [] }), "u", 0);
    expect(t.changes.get("a")).toMatchObject({ status: "queued", statusReason: "waiting for a free seat on a machine labelled gpu (m0 1/1)" });
    expect(t.run).toBeNull();
    expect(t.wakeAt).not.toBeNull();
  });

  it("fills machines up to their capacity within one tick", () => {
    const pl = plan({ name: "p", defaults: { cwd: "/w" }, steps: { a: p("a", { matrix: { count: 5 } }) } });
    const t = advance(pl, start(pl), new Map(), machines({ capacity: 2 }, { capacity: 1 }), "u", 0);
    expect(t.launches.map((l) => l.agent.name)).toEqual(["m0", "m1", "m0"]);
    expect([...t.changes.values()].filter((c) => c.status === "queued")).toHaveLength(2);
  });

  it("interrupts a session that outlives its timeout and retries the step", () => {
    const pl = plan({ name: "p", defaults: { cwd: "/w" }, steps: { a: p("a", { timeout: "10s", retries: 1 }) } });
    const st = start(pl);
    apply(st, advance(pl, st, new Map(), machines({}), "u", 0).changes);
    st.set("a", { ...st.get("a")!, sessionId: "s1" });
    const t = advance(pl, st, new Map([["s1", { status: "running", statusReason: "", result: null, costUsd: 0 }]]), machines({}), "u", 10_000);
    expect(t.interrupts).toEqual(["s1"]);
    expect(t.changes.get("a")).toMatchObject({ status: "retrying" });
  });

  it.each<[string, Partial<Machine>[], string[], RegExp]>([
    ["no machine has the labels", [{ labels: ["x"] }], ["gpu"], /none is enrolled/],
    ["the machines refuse the owner", [{ labels: ["gpu"], allowedUsers: ["someone"] }], ["gpu"], /accepts launches from the run's owner/],
    ["the machines are offline", [{ labels: ["gpu"], online: false }], ["gpu"], /to come online \(m0 offline\)/],
  ])("says why a step waits when %s", (_, m, selector, why) => {
    const r = pickMachine(machines(...m), selector, "u");
    expect("waiting" in r && r.waiting).toMatch(why);
  });
});
