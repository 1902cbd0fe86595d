/**
 * The pure cores of search: words and stems, FTS5 query building (user input can never break
 * its syntax), reciprocal rank fusion, the local embedder, int8 vectors and top-k, snippets, and
 * the documents an event becomes.
 */
import { describe, expect, it } from "vitest";
import { docsOf, titleDoc } from "../../worker/search/documents";
import { HashEmbedder } from "../../worker/search/embedder";
import { isEmptyQuery, parseQuery, toMatch } from "../../worker/search/fts-query";
import { escapeHtml, snippet } from "../../worker/search/highlight";
import { bestPerGroup, fuse } from "../../worker/search/rrf";
import { stem, terms, words } from "../../worker/search/tokenize";
import { cosine, dotInt8, quantize, TopK } from "../../worker/search/vectors";
import type { SessionEvent } from "../../worker/protocol/events";

describe("tokenize", () => {
  it("splits camelCase, snake_case and paths into lower-case words", () => {
    expect(words("fetchUserById in src/auth_utils.ts HTTPServer")).toEqual(["fetch", "user", "by", "id", "in", "src", "auth", "utils", "ts", "http", "server"]);
  });
  it.each([
    ["failing", "fail"],
    ["failed", "fail"],
    ["fails", "fail"],
    ["running", "run"],
    ["queries", "query"],
    ["class", "class"],
    ["css", "css"],
  ])("stems %s to %s", (w, s) => expect(stem(w)).toBe(s));
  it("drops stopwords from terms", () => expect(terms("how did we fix the login")).toEqual(["fix", "login"]));
});

describe("fts query", () => {
  it("quotes every word so FTS5 operators in the input are plain text", () => {
    expect(toMatch(parseQuery('login OR NOT x" AND (y) NEAR/3 col:z ^w'), "and")).toBe('"login" AND "x" AND "y" AND "near" AND "3" AND "col" AND "z" AND "w"');
  });
  it("keeps phrases and prefixes", () => {
    expect(toMatch(parseQuery('"flaky login test" deplo* fix'), "and")).toBe('"fix" AND "flaky login test" AND "deplo"*');
    expect(toMatch(parseQuery("fix deplo*"), "or")).toBe('"fix" OR "deplo"*');
  });
  it("drops stopwords unless they are all there is", () => {
    expect(parseQuery("how to fix the build").words).toEqual(["fix", "build"]);
    expect(parseQuery("the").words).toEqual(["the"]);
  });
  it("treats input with no words as empty", () => {
    expect(isEmptyQuery(parseQuery(' "" * () - ; '))).toBe(true);
    expect(toMatch(parseQuery("  "), "and")).toBeNull();
  });
  it("never emits an unbalanced quote", () => {
    for (const input of ['a"b', '"""', 'x "y', "'; DROP TABLE x; --", "a*b*", "\u0000\u0001"]) {
      const m = toMatch(parseQuery(input), "and");
      if (m) expect((m.match(/"/g) ?? []).length % 2).toBe(0);
    }
  });
});

describe("rrf", () => {
  it("ranks what both lists agree on first", () => {
    const r = fuse([
      ["a", "b", "c"],
      ["c", "a", "d"],
    ]);
    expect(r.map((x) => x.key)).toEqual(["a", "c", "b", "d"]);
    expect(r[0]!.score).toBeCloseTo(1 / 61 + 1 / 62);
  });
  it("keeps the best item of each group", () => {
    expect(
      bestPerGroup(
        [
          { s: "x", n: 1 },
          { s: "y", n: 2 },
          { s: "x", n: 3 },
        ],
        (t) => t.s,
      ).map((t) => t.n),
    ).toEqual([1, 2]);
  });
});

describe("embedder", () => {
  const e = new HashEmbedder(384);
  it("is deterministic, unit length and of the stated dimension", () => {
    const a = e.embedOne("fix the flaky login test");
    expect(a.length).toBe(384);
    expect(Array.from(a)).toEqual(Array.from(e.embedOne("fix the flaky login test")));
    expect(cosine(a, a)).toBeCloseTo(1, 5);
  });
  it("puts paraphrases of the coding domain closer than unrelated text", () => {
    const q = e.embedOne("authentication tests fail intermittently");
    const near = e.embedOne("the login spec is flaky and sometimes crashes");
    const far = e.embedOne("update the README with the dark theme screenshots");
    expect(cosine(q, near)).toBeGreaterThan(cosine(q, far) + 0.1);
  });
  it("gives empty text the zero vector", () => expect(Array.from(e.embedOne("")).every((x) => x === 0)).toBe(true));
});

describe("vectors", () => {
  it("quantised dot products track float cosine", () => {
    const e = new HashEmbedder(384);
    const a = e.embedOne("database migration failed");
    const b = e.embedOne("the sql schema migration broke");
    expect(dotInt8(quantize(a), 0, quantize(b), 384)).toBeCloseTo(cosine(a, b), 1);
  });
  it("keeps the k best", () => {
    const top = new TopK<string>(3);
    for (const [i, s] of [5, 1, 9, 3, 7, 2].entries()) top.push(s, `i${i}`);
    expect(top.sorted().map((x) => x.score)).toEqual([9, 7, 5]);
    expect(top.threshold).toBe(5);
  });
});

describe("highlight", () => {
  it("marks matches by stem and escapes everything else", () => {
    expect(snippet("<b>Tests</b> failing & slow", { exact: ["fail"], prefixes: [] })).toBe("&lt;b&gt;Tests&lt;/b&gt; <mark>failing</mark> &amp; slow");
  });
  it("marks prefixes and centres a long text on the matches", () => {
    const text = `${"lorem ipsum ".repeat(40)}the deployment pipeline broke ${"dolor sit ".repeat(40)}`;
    const s = snippet(text, { exact: [], prefixes: ["deploy"] }, 80);
    expect(s.startsWith("…")).toBe(true);
    expect(s.endsWith("…")).toBe(true);
    expect(s).toContain("<mark>deployment</mark>");
  });
  it("escapes quotes", () => expect(escapeHtml(`"'`)).toBe("&quot;&#39;"));
});

describe("documents", () => {
  const at = 1_700_000_000_000;
  const ev = (seq: number, body: unknown) => ({ seq, at, ...(body as object) }) as SessionEvent;
  it("indexes prompts, assistant text, tool calls, tool results (with the file a successful one changed) and results", () => {
    const docs = [
      ...docsOf(ev(1, { type: "session-created", title: "t", spec: { prompt: "fix login", cwd: "/x" } })),
      ...docsOf(
        ev(5, {
          type: "sdk-message",
          message: {
            type: "assistant",
            message: {
              content: [
                { type: "text", text: "On it" },
                { type: "tool_use", id: "t", name: "Edit", input: { file_path: "/x/a.ts" } },
              ],
            },
          },
        }),
      ),
      ...docsOf(
        ev(6, {
          type: "sdk-message",
          message: {
            type: "user",
            message: { content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "x".repeat(5000) }] }] },
            tool_use_result: { filePath: "/x/a.ts" },
          },
        }),
      ),
      ...docsOf(ev(7, { type: "sdk-message", message: { type: "result", result: "All good" } })),
      ...docsOf(ev(8, { type: "status-changed", from: "running", to: "completed", reason: "done" })),
    ];
    expect(docs.map((d) => [d.seq, d.part, d.kind, d.toolName, d.path])).toEqual([
      [1, 0, "prompt", null, null],
      [5, 0, "assistant", null, null],
      [5, 1, "tool-call", "Edit", null],
      [6, 0, "tool-result", null, "/x/a.ts"],
      [7, 0, "result", null, null],
    ]);
    expect(docs[3]!.text.length).toBe(1000);
  });
  it("scrubs secrets again on the way in, and drops control characters", () => {
    const [d] = docsOf(ev(1, { type: "user-prompt", prompt: `key sk-ant-api03-${"B".repeat(30)} \u0001here`, by: "u" }));
    expect(d!.text).toContain("[REDACTED:anthropic-key]");
    expect(d!.text).not.toContain("\u0001");
    expect(titleDoc("My title", at)).toMatchObject({ seq: 0, part: 0, kind: "title", text: "My title" });
  });
});
